// Which bus peertrustd serves: it decides whose store is written and who may write it.
#pragma once

namespace peertrust::service {

enum class BusMode { Session, System };

}  // namespace peertrust::service

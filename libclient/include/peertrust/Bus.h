// Which bus a client talks to peertrustd on: the user's session daemon or the machine's.
#pragma once

namespace peertrust {

enum class Bus { Session, System };

}  // namespace peertrust

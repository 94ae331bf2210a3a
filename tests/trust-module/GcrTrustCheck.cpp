// A libgcr-3 program, as a GNOME application would ask for trust: is this certificate an
// anchor or pinned, and storing or removing a pin. gcr finds our module through p11-kit's
// module configuration (x-trust-lookup, x-trust-store), exactly as it would installed.
//
// usage: peertrust_gcr_trust_check anchored CERT.der PURPOSE
//        peertrust_gcr_trust_check pinned|add-pin|remove-pin CERT.der PURPOSE PEER
// PURPOSE is server-auth, client-auth, email or an OID.
// Exit status: 0 yes/done, 1 no, 2 error.
#define GCR_API_SUBJECT_TO_CHANGE
#include <gcr/gcr-base.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace {

struct GObjectUnref {
    void operator()(gpointer object) const { g_object_unref(object); }
};
struct GErrorFree {
    void operator()(GError* error) const { g_error_free(error); }
};
struct GFree {
    void operator()(gchar* data) const { g_free(data); }
};
using Certificate = std::unique_ptr<GcrCertificate, GObjectUnref>;

std::string purposeOid(std::string_view name) {
    if (name == "server-auth") {
        return GCR_PURPOSE_SERVER_AUTH;
    }
    if (name == "client-auth") {
        return GCR_PURPOSE_CLIENT_AUTH;
    }
    if (name == "email") {
        return GCR_PURPOSE_EMAIL;
    }
    return std::string(name);
}

int usage() {
    std::fputs(
        "usage: peertrust_gcr_trust_check anchored CERT.der PURPOSE\n"
        "       peertrust_gcr_trust_check pinned|add-pin|remove-pin CERT.der PURPOSE "
        "PEER\n",
        stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        return usage();
    }
    const std::string_view command = argv[1];
    const bool needsPeer = command != "anchored";
    if ((needsPeer && argc != 5) || (!needsPeer && argc != 4)) {
        return usage();
    }
    gchar* rawData = nullptr;
    gsize length = 0;
    GError* rawError = nullptr;
    if (!g_file_get_contents(argv[2], &rawData, &length, &rawError)) {
        std::unique_ptr<GError, GErrorFree> error(rawError);
        std::fprintf(stderr, "cannot read %s: %s\n", argv[2], error->message);
        return 2;
    }
    std::unique_ptr<gchar, GFree> data(rawData);
    Certificate certificate(
        gcr_simple_certificate_new(reinterpret_cast<const guchar*>(data.get()), length));
    const std::string purpose = purposeOid(argv[3]);
    const char* peer = needsPeer ? argv[4] : nullptr;

    gboolean answer = FALSE;
    if (command == "anchored") {
        answer = gcr_trust_is_certificate_anchored(certificate.get(), purpose.c_str(), nullptr,
                                                   &rawError);
    } else if (command == "pinned") {
        answer = gcr_trust_is_certificate_pinned(certificate.get(), purpose.c_str(), peer, nullptr,
                                                 &rawError);
    } else if (command == "add-pin") {
        answer = gcr_trust_add_pinned_certificate(certificate.get(), purpose.c_str(), peer, nullptr,
                                                  &rawError);
    } else if (command == "remove-pin") {
        answer = gcr_trust_remove_pinned_certificate(certificate.get(), purpose.c_str(), peer,
                                                     nullptr, &rawError);
    } else {
        return usage();
    }
    if (rawError != nullptr) {
        std::unique_ptr<GError, GErrorFree> error(rawError);
        std::fprintf(stderr, "gcr: %s\n", error->message);
        return 2;
    }
    std::printf("%s\n", answer ? "yes" : "no");
    return answer ? 0 : 1;
}

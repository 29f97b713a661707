/*
 * notify(socketPath, message): sends `message` as ONE datagram to systemd's notification socket, the way
 * sd_notify(3) does. Node has no unix datagram sockets, and the service manager reads only datagrams there.
 * A path starting with '@' names an abstract socket: the '@' becomes a NUL byte and the address length is exact
 * (an abstract name is not NUL-terminated, so every byte of the length counts).
 * On failure it throws an Error whose `code` is the errno name ('ENOENT', ...) or 'E' followed by the number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <node_api.h>

/* Big enough for a STATUS= line; systemd itself refuses datagrams over its own limit anyway. */
#define MAX_MESSAGE 4096

static const char *errno_code(int err, char *buf, size_t size) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOTDIR: return "ENOTDIR";
    case EAGAIN: return "EAGAIN";
    case ENOBUFS: return "ENOBUFS";
    case EMSGSIZE: return "EMSGSIZE";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EINVAL: return "EINVAL";
    default: snprintf(buf, size, "E%d", err); return buf;
  }
}

static napi_value throw_code(napi_env env, const char *code, const char *what) {
  napi_value message, code_value, error;
  char text[128];
  snprintf(text, sizeof text, "sd_notify: %s (%s)", what, code);
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value) != napi_ok) return NULL;
  if (napi_create_error(env, code_value, message, &error) != napi_ok) return NULL;
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char buf[16];
  return throw_code(env, errno_code(err, buf, sizeof buf), what);
}

/* Copies a JS string argument into buf; false (with a TypeError thrown) when it is not a string or too long. */
static int string_arg(napi_env env, napi_value value, char *buf, size_t size, size_t *length, const char *name,
                      const char *too_long) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) {
    char text[64];
    snprintf(text, sizeof text, "%s must be a string", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", text);
    return 0;
  }
  size_t needed;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &needed) != napi_ok) return 0;
  if (needed >= size) {
    char text[64];
    snprintf(text, sizeof text, "%s is too long (%zu bytes at most)", name, size - 1);
    throw_code(env, too_long, text);
    return 0;
  }
  return napi_get_value_string_utf8(env, value, buf, size, length) == napi_ok;
}

static napi_value notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "notify(socketPath, message) needs two strings");
    return NULL;
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  char path[sizeof addr.sun_path + 1];
  size_t path_len = 0;
  if (!string_arg(env, argv[0], path, sizeof path, &path_len, "socketPath", "ENAMETOOLONG")) return NULL;
  if (path_len == 0 || path_len > sizeof addr.sun_path || (path[0] != '@' && path_len == sizeof addr.sun_path)) {
    return throw_code(env, "EINVAL", "socketPath is empty or too long for a unix socket");
  }
  memcpy(addr.sun_path, path, path_len);
  if (path[0] == '@') addr.sun_path[0] = '\0';
  /* A filesystem path counts its terminating NUL (zeroed by memset); an abstract name counts exactly its bytes. */
  socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len + (path[0] == '@' ? 0 : 1));

  char message[MAX_MESSAGE];
  size_t message_len = 0;
  if (!string_arg(env, argv[1], message, sizeof message, &message_len, "message", "EMSGSIZE")) return NULL;

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket() failed");
  ssize_t sent = sendto(fd, message, message_len, MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len);
  int err = errno;
  close(fd);
  if (sent < 0) return throw_errno(env, err, "sendto() failed");
  if ((size_t)sent != message_len) return throw_code(env, "EMSGSIZE", "the datagram was cut short");
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (napi_create_function(env, "notify", NAPI_AUTO_LENGTH, notify, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "notify", fn) != napi_ok) return NULL;
  return exports;
}

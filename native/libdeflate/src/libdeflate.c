/*
 * Node-API binding of libdeflate's whole-buffer raw DEFLATE, for BGZF blocks: the compressor and
 * decompressor of each thread (main thread and every worker has its own instance data), kept per
 * level, since allocating one costs more than a 64 KiB block takes to compress.
 */
#include <libdeflate.h>
#include <node_api.h>
#include <stdlib.h>

#define MAX_LEVEL 12

typedef struct {
  struct libdeflate_compressor *compressors[MAX_LEVEL + 1];
  struct libdeflate_decompressor *decompressor;
} Instance;

static void free_instance(napi_env env, void *data, void *hint) {
  Instance *inst = data;
  (void)env;
  (void)hint;
  for (int i = 0; i <= MAX_LEVEL; i++) libdeflate_free_compressor(inst->compressors[i]);
  libdeflate_free_decompressor(inst->decompressor);
  free(inst);
}

/* The bytes of a Uint8Array (or any typed array) argument. */
static int bytes_of(napi_env env, napi_value value, void **data, size_t *length) {
  bool is_typed;
  napi_typedarray_type type;
  size_t count;
  napi_value buffer;
  size_t offset;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, value, &type, &count, data, &buffer, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *length = count;
  return 1;
}

static Instance *instance(napi_env env) {
  Instance *inst = NULL;
  napi_get_instance_data(env, (void **)&inst);
  return inst;
}

static napi_value js_deflate(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *in, *out;
  size_t in_len, out_len;
  int32_t level;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !bytes_of(env, argv[0], &in, &in_len) || !bytes_of(env, argv[1], &out, &out_len)) {
    napi_throw_type_error(env, NULL, "deflate(input: Uint8Array, output: Uint8Array, level: number)");
    return NULL;
  }
  if (napi_get_value_int32(env, argv[2], &level) != napi_ok || level < 1 || level > MAX_LEVEL) {
    napi_throw_range_error(env, NULL, "the level must be 1 to 12");
    return NULL;
  }
  Instance *inst = instance(env);
  if (!inst->compressors[level]) inst->compressors[level] = libdeflate_alloc_compressor(level);
  if (!inst->compressors[level]) {
    napi_throw_error(env, NULL, "libdeflate could not allocate a compressor");
    return NULL;
  }
  size_t written = libdeflate_deflate_compress(inst->compressors[level], in, in_len, out, out_len);
  napi_value result;
  napi_create_double(env, (double)written, &result);
  return result;
}

static napi_value js_inflate(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *in, *out;
  size_t in_len, out_len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !bytes_of(env, argv[0], &in, &in_len) || !bytes_of(env, argv[1], &out, &out_len)) {
    napi_throw_type_error(env, NULL, "inflate(input: Uint8Array, output: Uint8Array)");
    return NULL;
  }
  Instance *inst = instance(env);
  if (!inst->decompressor) inst->decompressor = libdeflate_alloc_decompressor();
  if (!inst->decompressor) {
    napi_throw_error(env, NULL, "libdeflate could not allocate a decompressor");
    return NULL;
  }
  /* With no actual size asked, libdeflate insists the data fill `out` exactly. */
  enum libdeflate_result r = libdeflate_deflate_decompress(inst->decompressor, in, in_len, out, out_len, NULL);
  if (r == LIBDEFLATE_BAD_DATA) napi_throw_error(env, "EBADDATA", "invalid deflate data");
  else if (r == LIBDEFLATE_SHORT_OUTPUT) napi_throw_error(env, "ESHORT", "it inflates to fewer bytes than declared");
  else if (r == LIBDEFLATE_INSUFFICIENT_SPACE) napi_throw_error(env, "ELONG", "it inflates to more bytes than declared");
  else if (r != LIBDEFLATE_SUCCESS) napi_throw_error(env, NULL, "libdeflate failed");
  return NULL;
}

NAPI_MODULE_INIT() {
  Instance *inst = calloc(1, sizeof(Instance));
  if (!inst || napi_set_instance_data(env, inst, free_instance, NULL) != napi_ok) {
    free(inst);
    napi_throw_error(env, NULL, "could not set up the libdeflate binding");
    return NULL;
  }
  napi_value fn, version;
  napi_create_function(env, "deflate", NAPI_AUTO_LENGTH, js_deflate, NULL, &fn);
  napi_set_named_property(env, exports, "deflate", fn);
  napi_create_function(env, "inflate", NAPI_AUTO_LENGTH, js_inflate, NULL, &fn);
  napi_set_named_property(env, exports, "inflate", fn);
  napi_create_string_utf8(env, LIBDEFLATE_VERSION_STRING, NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "version", version);
  return exports;
}

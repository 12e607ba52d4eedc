{
  "targets": [
    {
      "target_name": "deflate_binding",
      "sources": ["src/libdeflate.c"],
      "cflags": ["-O2", "-fomit-frame-pointer"],
      "libraries": ["-l:libdeflate.a"]
    }
  ]
}

{
  "targets": [
    {
      "target_name": "officepbx_relay",
      "sources": ["relay.c", "forwarder.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-std=gnu11"],
      "libraries": ["-lpthread"]
    }
  ]
}

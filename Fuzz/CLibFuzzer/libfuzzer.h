// libFuzzer's entry point for programs that have their own main (llvm.org/docs/LibFuzzer.html).
// SwiftPM names an executable's entry point itself, so libFuzzer's main cannot be used: each fuzz
// target's main.swift hands its input callback to this instead. -sanitize=fuzzer links it in.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

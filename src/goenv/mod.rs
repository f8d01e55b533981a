//! The Go environment model: find and run `go`, read `go env -json` and the env files, attribute
//! every value to its source, and write through `go env -w/-u` with history and undo.

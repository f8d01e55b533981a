//! Go's grammar for setting values, mirroring cmd/go: GOPROXY lists, module path patterns,
//! GOSUMDB, GOAUTH, GOFLAGS, GOTOOLCHAIN, GO111MODULE, and variable names.

//! The test protos compiled twice: by rsfast (the checked-in golden files, which the
//! golden test keeps fresh, so they are also proven to compile under `deny(warnings)`)
//! and by prost (in `OUT_DIR`), for differential tests.
#![deny(warnings)]

/// rsfast's generated code, from `tests/golden/`.
pub mod rsfast_gen {
    pub mod rsfast {
        pub mod test {
            include!("../golden/rsfast.test.rs");
            pub mod other {
                include!("../golden/rsfast.test.other.rs");
            }
            /// Generated through protoc: protox does not parse editions.
            pub mod editions {
                include!("../golden/rsfast.test.editions.rs");
            }
            pub mod editions2024 {
                include!("../golden/rsfast.test.editions2024.rs");
            }
            /// Options set in the .proto file, per scope.
            pub mod options {
                include!("../golden/rsfast.test.options.rs");
            }
        }
        pub mod test2 {
            include!("../golden/rsfast.test2.rs");
        }
    }
    pub mod grpc {
        pub mod examples {
            pub mod echo {
                include!("../golden/grpc.examples.echo.rs");
            }
        }
    }
}

/// types3.proto, other.proto and types2.proto with the faster golden's parameters (tests/tests/golden.rs: `FASTER`).
pub mod faster_gen {
    pub mod rsfast {
        pub mod test {
            include!("../golden/faster/rsfast.test.rs");
            pub mod other {
                include!("../golden/faster/rsfast.test.other.rs");
            }
        }
        pub mod test2 {
            include!("../golden/faster/rsfast.test2.rs");
        }
    }
}

/// The same protos with `preset=slick,tests,benches`, from `tests/golden/slick/`:
/// `cargo test -p rsfast-tests --lib` runs the tests generated for every message, and
/// each package's `rsfast_benches` module is the generated criterion benchmark.
pub mod slick_gen {
    pub mod rsfast {
        pub mod test {
            include!("../golden/slick/rsfast.test.rs");
            include!("../golden/slick/rsfast.test.benches.rs");
            pub mod other {
                include!("../golden/slick/rsfast.test.other.rs");
                include!("../golden/slick/rsfast.test.other.benches.rs");
            }
            pub mod editions {
                include!("../golden/slick/rsfast.test.editions.rs");
                include!("../golden/slick/rsfast.test.editions.benches.rs");
            }
            pub mod editions2024 {
                include!("../golden/slick/rsfast.test.editions2024.rs");
                include!("../golden/slick/rsfast.test.editions2024.benches.rs");
            }
            pub mod options {
                include!("../golden/slick/rsfast.test.options.rs");
                include!("../golden/slick/rsfast.test.options.benches.rs");
            }
        }
        pub mod test2 {
            include!("../golden/slick/rsfast.test2.rs");
            include!("../golden/slick/rsfast.test2.benches.rs");
        }
    }
    pub mod grpc {
        pub mod examples {
            pub mod echo {
                include!("../golden/slick/grpc.examples.echo.rs");
                include!("../golden/slick/grpc.examples.echo.benches.rs");
            }
        }
    }
}

/// rsfast's generated code with the `json` option, from `tests/golden/json/`.
pub mod rsfast_json {
    pub mod rsfast {
        pub mod test {
            include!("../golden/json/rsfast.test.rs");
            pub mod other {
                include!("../golden/json/rsfast.test.other.rs");
            }
            pub mod wkt {
                include!("../golden/json/rsfast.test.wkt.rs");
            }
        }
        pub mod test2 {
            include!("../golden/json/rsfast.test2.rs");
        }
    }
}

/// `json,text,bytes=bytes,string=bytes,preset=slick` (with `tests`, but for wkt.proto),
/// from `tests/golden/json_bytes/`: `bytes::Bytes` and `rsfast::BytesString` fields.
pub mod rsfast_json_bytes {
    pub mod rsfast {
        pub mod test {
            include!("../golden/json_bytes/rsfast.test.rs");
            pub mod other {
                include!("../golden/json_bytes/rsfast.test.other.rs");
            }
            pub mod wkt {
                include!("../golden/json_bytes/rsfast.test.wkt.rs");
            }
        }
        pub mod test2 {
            include!("../golden/json_bytes/rsfast.test2.rs");
        }
    }
}

/// prost's generated code for the same protos.
/// The same protos generated with the `text` option.
pub mod rsfast_text_gen {
    pub mod rsfast {
        pub mod test {
            include!("../golden/text/rsfast.test.rs");
            pub mod other {
                include!("../golden/text/rsfast.test.other.rs");
            }
            pub mod editions {
                include!("../golden/text/rsfast.test.editions.rs");
            }
            pub mod editions2024 {
                include!("../golden/text/rsfast.test.editions2024.rs");
            }
        }
        pub mod test2 {
            include!("../golden/text/rsfast.test2.rs");
        }
    }
    pub mod grpc {
        pub mod examples {
            pub mod echo {
                include!("../golden/text/grpc.examples.echo.rs");
            }
        }
    }
}

#[allow(clippy::all, missing_debug_implementations)]
pub mod prost_gen {
    pub mod rsfast {
        pub mod test {
            include!(concat!(env!("OUT_DIR"), "/rsfast.test.rs"));
            pub mod other {
                include!(concat!(env!("OUT_DIR"), "/rsfast.test.other.rs"));
            }
        }
        pub mod test2 {
            include!(concat!(env!("OUT_DIR"), "/rsfast.test2.rs"));
        }
    }
    pub mod grpc {
        pub mod examples {
            pub mod echo {
                include!(concat!(env!("OUT_DIR"), "/grpc.examples.echo.rs"));
            }
        }
    }
}

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

//! The protoc plugin: CodeGeneratorRequest on stdin, CodeGeneratorResponse on stdout.
//!
//! With arguments it is also a standalone compiler (through protox, no protoc needed):
//! `protoc-gen-rsfast -I proto -o out proto/echo.proto`.

use std::io::{Read, Write};
use std::process::ExitCode;

use protoc_gen_rsfast::descriptor::compiler::code_generator_response::{Feature, File};
use protoc_gen_rsfast::descriptor::compiler::{CodeGeneratorRequest, CodeGeneratorResponse};
use protoc_gen_rsfast::descriptor::Edition;
use rsfast::Message as _;

const USAGE: &str = "\
usage: protoc-gen-rsfast                      (as a protoc plugin: protoc --rsfast_out=OUT ...)
       protoc-gen-rsfast [-I DIR]... -o OUT [--param OPTIONS] FILE.proto...
       protoc-gen-rsfast --write-options-proto DIR   (writes DIR/rsfast/options.proto,
                                                      for protoc's -I DIR)

Generates one Rust file per protobuf package, named <package>.rs.
OPTIONS is what protoc passes as --rsfast_opt / --rsfast_out=OPTIONS:OUT: comma-separated
key=value (or a bare key for true). Keys:";

fn usage() -> String {
    let mut text = USAGE.to_owned();
    for key in protoc_gen_rsfast::Options::KEYS {
        text.push_str(&format!(
            "\n  {:<16} {}\n  {:<16} {}",
            key.name, key.values, "", key.meaning
        ));
    }
    text
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        return plugin();
    }
    match cli(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("protoc-gen-rsfast: {e}");
            ExitCode::FAILURE
        }
    }
}

fn plugin() -> ExitCode {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("protoc-gen-rsfast: reading stdin: {e}");
        return ExitCode::FAILURE;
    }
    let response = match CodeGeneratorRequest::decode(&input) {
        Ok(request) => respond(request),
        Err(e) => CodeGeneratorResponse {
            error: Some(format!("protoc-gen-rsfast: bad CodeGeneratorRequest: {e}")),
            ..Default::default()
        },
    };
    match std::io::stdout().write_all(&response.encode_to_vec()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("protoc-gen-rsfast: writing stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

fn respond(request: CodeGeneratorRequest) -> CodeGeneratorResponse {
    let declared = CodeGeneratorResponse {
        supported_features: Some(Feature::Proto3Optional as u64 | Feature::SupportsEditions as u64),
        minimum_edition: Some(Edition::Proto2 as i32),
        maximum_edition: Some(protoc_gen_rsfast::MAXIMUM_EDITION as i32),
        ..Default::default()
    };
    let result = protoc_gen_rsfast::Options::parse(request.parameter()).and_then(|options| {
        protoc_gen_rsfast::generate(&request.proto_file, &request.file_to_generate, &options)
    });
    match result {
        Ok((files, warnings)) => {
            for w in warnings {
                eprintln!("protoc-gen-rsfast: warning: {w}");
            }
            CodeGeneratorResponse {
                file: files
                    .into_iter()
                    .map(|f| File {
                        name: Some(f.name),
                        content: Some(f.content),
                        ..Default::default()
                    })
                    .collect(),
                ..declared
            }
        }
        Err(e) => CodeGeneratorResponse {
            error: Some(e.to_string()),
            ..declared
        },
    }
}

fn cli(args: &[String]) -> Result<(), String> {
    let mut includes = Vec::new();
    let mut out = None;
    let mut protos = Vec::new();
    let mut param = String::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{}", usage());
                return Ok(());
            }
            "-I" | "--include" => includes.push(value(arg)?),
            "-o" | "--out" => out = Some(value(arg)?),
            "--param" => param = value(arg)?,
            "--write-options-proto" => {
                let dir = std::path::PathBuf::from(value(arg)?).join("rsfast");
                let path = dir.join("options.proto");
                std::fs::create_dir_all(&dir)
                    .and_then(|()| std::fs::write(&path, protoc_gen_rsfast::OPTIONS_PROTO))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                println!("wrote {}", path.display());
                return Ok(());
            }
            a if a.starts_with("-I") => includes.push(a[2..].to_owned()),
            a if a.starts_with('-') => return Err(format!("unknown flag {a}\n{}", usage())),
            a => protos.push(a.to_owned()),
        }
    }
    let out = out.ok_or(format!("-o OUT is required\n{}", usage()))?;
    if protos.is_empty() {
        return Err(format!("no .proto files given\n{}", usage()));
    }
    if includes.is_empty() {
        includes.push(".".to_owned());
    }
    let mut config = protoc_gen_rsfast::Config::new();
    config
        .out_dir(&out)
        .parameter(&param)
        .map_err(|e| e.to_string())?;
    for path in config
        .compile(&protos, &includes)
        .map_err(|e| e.to_string())?
    {
        println!("wrote {}", path.display());
    }
    Ok(())
}

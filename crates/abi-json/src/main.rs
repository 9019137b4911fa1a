//! `abi-json CRATE_DIR OUT_STEM [CONSTRUCTOR_FILE] < exported-interface.sol`
//!
//! Writes `OUT_STEM.sol` (the interface completed with the crate's events, and its errors when
//! its `Cargo.toml` asks for them: `[package.metadata.abi] declared-errors = true`) and
//! `OUT_STEM.json` (its JSON ABI).
use std::{io::Read, path::Path, process::ExitCode};

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 || args.len() > 3 {
        return Err("usage: abi-json CRATE_DIR OUT_STEM [CONSTRUCTOR_FILE] < interface.sol".into());
    }
    let mut exported = String::new();
    std::io::stdin().read_to_string(&mut exported)?;
    let structs = abi_json::crate_structs(Path::new(&args[0]))?;
    let exported = abi_json::add_structs(&exported, &structs)?;
    let mut declarations = abi_json::crate_events(Path::new(&args[0]))?;
    declarations.extend(abi_json::undeclared_errors(Path::new(&args[0]), &exported)?);
    let full = abi_json::complete_interface(&exported, &declarations)?;
    let outputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("outputs.toml");
    let full = abi_json::name_parameters(&full, Path::new(&args[0]), &outputs)?;
    let ctor = match args.get(2) {
        Some(f) => Some(abi_json::names::camel_case_parameters(
            &std::fs::read_to_string(f)?,
        )),
        None => None,
    };
    let abi = abi_json::json_abi(&full, ctor.as_deref())?;
    std::fs::write(format!("{}.sol", args[1]), full)?;
    std::fs::write(
        format!("{}.json", args[1]),
        serde_json::to_string_pretty(&abi)? + "\n",
    )?;
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("abi-json: {e}");
            ExitCode::FAILURE
        }
    }
}

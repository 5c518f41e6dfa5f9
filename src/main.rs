fn main() {
    std::process::exit(lightning_tables::cli::main());
}

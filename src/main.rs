fn main() {
    std::process::exit(devmetrics::run());
}

use super::*;

fn parse(argv: &[&str]) -> Result<Args, String> {
    args(argv.iter().map(|s| (*s).to_owned()))
}

#[test]
fn defaults_to_k1_and_k2_on_the_release_binaries() {
    let a = parse(&[]).unwrap();
    assert_eq!((a.k1, a.k2), (K1, K2));
    assert!(a.bins.ends_with("target/release"), "{}", a.bins.display());
    let a = parse(&["--bin-dir", "/tmp/bins", "--k1", "10", "--k2", "110"]).unwrap();
    assert_eq!(
        a,
        Args {
            bins: "/tmp/bins".into(),
            k1: 10,
            k2: 110
        }
    );
}

#[test]
fn refuses_runs_that_cannot_cancel_out() {
    let err = parse(&["--k1", "100", "--k2", "100"]).unwrap_err();
    assert!(err.contains("--k1 (100) must be below --k2 (100)"), "{err}");
    assert!(parse(&["--k2"]).unwrap_err().contains("needs a value"));
    assert!(parse(&["--k1", "-3"]).unwrap_err().starts_with("--k1: "));
    assert!(parse(&["--fast"]).unwrap_err().contains("unknown argument"));
}

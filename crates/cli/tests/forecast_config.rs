//! `tepat targeting forecast` reads the indicators named by `[targeting] indicators_file` (here through
//! its environment variable) when `--indicators` is not given, and the flag wins over it.

mod support;
use support::tepat;

#[test]
fn the_configured_indicators_file_is_read_and_the_flag_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("rusak.csv"),
        "period,region_code,indicator,value\n2027Q1,19.02,poverty_rate,sembilan\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("kosong.csv"),
        "period,region_code,indicator,value\n",
    )
    .unwrap();
    let configured = [("TEPAT_TARGETING_INDICATORS_FILE", "rusak.csv")];
    let args = ["targeting", "forecast", "--program", "SEMBAKO"];

    let broken = tepat(dir).envs(configured).args(args).output().unwrap();
    assert!(!broken.status.success());
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("rusak.csv") && stderr.contains("line 2"),
        "{stderr}"
    );

    // With the flag the configured file is not read: the command gets past the indicators.
    let flagged = tepat(dir)
        .envs(configured)
        .args(args)
        .args(["--indicators", "kosong.csv"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&flagged.stderr);
    assert!(!stderr.contains("rusak.csv"), "{stderr}");
}

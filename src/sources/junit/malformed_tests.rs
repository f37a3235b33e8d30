//! Files as real runners write them: suites without a name, and the malformations the reader
//! tolerates (the counts still come out right) against those it refuses (`docs/junit.md`,
//! "Tolerated and refused").

use super::tests::{read, t};
use super::*;

/// The file of issue 13 (container-structure-test writes suites so): two suites without a
/// name, each with "Test 1" and "Test 2".
const TWO_UNNAMED_SUITES: &str = r#"<?xml version="1.0"?>
<testsuites failures="1" tests="8">
  <testsuite id="testsuite1" tests="4">
    <testcase name="Test 1"/><testcase name="Test 2"/>
    <testcase name="Test 3"/><testcase name="Test 4"><failure>exit 1</failure></testcase>
  </testsuite>
  <testsuite id="testsuite2" tests="4">
    <testcase name="Test 1"/><testcase name="Test 2"/>
    <testcase name="Test 5"/><testcase name="Test 6"/>
  </testsuite>
</testsuites>"#;

#[test]
fn two_unnamed_suites_with_ids_are_two_suites_and_all_eight_tests_count() {
    let r = read(TWO_UNNAMED_SUITES).unwrap();
    assert_eq!(r.totals(), t(8, 7, 1, 0, 0, 0));
    assert_eq!(r.types[0].elements.cases, 8, "the element count agrees");
    assert_eq!(
        r.types[0].kept[0].suite,
        "<unnamed testsuite id=testsuite1>"
    );
}

#[test]
fn unnamed_suites_without_an_id_are_told_apart_by_their_position_in_the_file() {
    let xml = r#"<testsuites>
        <testsuite name="named"><testcase name="a"/></testsuite>
        <testsuite><testcase name="a"/><testcase name="b"/></testsuite>
        <testsuite><testcase name="a"/><testcase name="b"><failure/></testcase></testsuite>
    </testsuites>"#;
    let r = read(xml).unwrap();
    // named/a, #2/a, #2/b, #3/a, #3/b: the failure of #3/b does not make #2/b flaky.
    assert_eq!(r.totals(), t(5, 4, 1, 0, 0, 0));
    assert_eq!(r.types[0].kept[0].suite, "<unnamed testsuite #3>");
}

#[test]
fn repeated_tests_within_one_unnamed_suite_still_fold() {
    let xml = r#"<testsuite id="x">
        <testcase name="a"/><testcase name="a"><failure/></testcase><testcase name="b"/><testcase name="b"/>
    </testsuite>"#;
    let r = read(xml).unwrap();
    assert_eq!(r.totals(), t(2, 2, 0, 0, 0, 1));
    assert_eq!(r.types[0].elements.cases, 4);
}

#[test]
fn the_same_unnamed_suite_in_a_rerun_file_folds_with_the_first() {
    let first = r#"<testsuite id="s1"><testcase name="a"><failure/></testcase></testsuite>"#;
    let rerun = r#"<testsuite id="s1"><testcase name="a"/></testsuite>"#;
    let mut c = Collector::new(ReadOptions::default());
    c.read(first.as_bytes(), "1.xml", "unit").unwrap();
    c.read(rerun.as_bytes(), "2.xml", "unit").unwrap();
    assert_eq!(c.finish().totals(), t(1, 1, 0, 0, 0, 1));
}

#[test]
fn a_raw_less_than_sign_in_an_attribute_is_read_and_the_counts_are_right() {
    let xml = r#"<testsuite name="s" time="<<computed>>">
        <testcase classname="c" name="a" time="<<computed>>"/>
        <testcase classname="c" name="b" time="<<computed>>"><failure message="x < y"/></testcase>
        <testcase classname="c" name="c" time="1.5"><skipped/></testcase>
    </testsuite>"#;
    let r = read(xml).unwrap();
    assert_eq!(r.totals(), t(3, 1, 1, 0, 1, 0));
    assert_eq!(r.types[0].elements.cases, 3);
    assert_eq!(r.types[0].time, Some(1.5), "a junk time is unknown");
    let b = &r.types[0].kept[0];
    assert_eq!(b.main_attempt().unwrap().message.as_deref(), Some("x < y"));
}

#[test]
fn tolerated_malformations_are_read_as_written() {
    // (what, a failed test's element, its classname, its name)
    let cases = [
        ("raw > in a value", r#"<testcase name="a>b">"#, "", "a>b"),
        (
            "raw & and unknown entities",
            r#"<testcase name="a & b &foo; &#zz;">"#,
            "",
            "a & b &foo; &#zz;",
        ),
        (
            "no space between attributes",
            r#"<testcase name="a"classname="c">"#,
            "c",
            "a",
        ),
        (
            "an attribute without quotes or value is left out",
            r#"<testcase classname=c disabled name="a">"#,
            "",
            "a",
        ),
        (
            "a repeated attribute: the last counts",
            r#"<testcase name="x" name="a">"#,
            "",
            "a",
        ),
        (
            "control characters",
            "<testcase name=\"a\u{1}\">",
            "",
            "a\u{1}",
        ),
    ];
    for (what, open, classname, name) in cases {
        let xml = format!(
            "<testsuite name=\"s\"><testcase name=\"ok\"/>{open}<failure>a & b ]]> c</failure></testcase><1odd/></testsuite>"
        );
        let r = read(&xml).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert_eq!(r.totals(), t(2, 1, 1, 0, 0, 0), "{what}");
        let k = &r.types[0].kept[0];
        assert_eq!(
            (k.classname.as_str(), k.name.as_str()),
            (classname, name),
            "{what}"
        );
        let detail = k.main_attempt().unwrap().detail.as_deref();
        assert_eq!(detail, Some("a & b ]]> c"), "{what}");
    }
    // Invalid UTF-8 is replaced.
    let mut bytes = b"<testsuite><testcase name=\"a".to_vec();
    bytes.extend_from_slice(b"\xff\"><failure/></testcase></testsuite>");
    let mut c = Collector::new(ReadOptions::default());
    c.read(&bytes[..], "r.xml", "unit").unwrap();
    assert_eq!(c.finish().types[0].kept[0].name, "a\u{fffd}");
}

#[test]
fn refused_malformations_are_errors_naming_the_line() {
    let malformed = [
        "<testsuite>\n<testcase name=\"a\"></testsuite>",
        "<testsuite>\n<testcase name=\"a\"/></foo></testsuite>",
        "<testsuite>\n<testcase name=\"a\"></TestCase></testsuite>",
        "<testsuite>\n<testcase name=\"a\"><failure>a < b</failure></testcase></testsuite>",
    ];
    for xml in malformed {
        let e = read(xml).unwrap_err();
        assert!(
            matches!(e, JunitError::Malformed { line: 2, .. }),
            "{xml}: {e:?}"
        );
    }
    let truncated = [
        "<testsuite>\n<testcase name=\"a/>\n<testcase name=\"b\"/></testsuite>",
        "<testsuite>\n<testcase name=\"a\"/><!-- x</testsuite>",
    ];
    for xml in truncated {
        let e = read(xml).unwrap_err();
        assert!(matches!(e, JunitError::Truncated { .. }), "{xml}: {e:?}");
    }
    for xml in [
        "<testsuite><testcase name=\"a\"/></testsuite>\njunk",
        "<testsuite><testcase name=\"a\"/></testsuite>\n<x/>",
    ] {
        let e = read(xml).unwrap_err();
        assert!(
            matches!(e, JunitError::NotXml { line: 2, .. }),
            "{xml}: {e:?}"
        );
    }
    // A comment after the root is not an error.
    let r = read("<testsuite><testcase name=\"a\"/></testsuite>\n<!-- end -->").unwrap();
    assert_eq!(r.totals(), t(1, 1, 0, 0, 0, 0));
}

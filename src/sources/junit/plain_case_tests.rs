//! The plain empty `<testcase .../>` elements read straight from the input's buffer
//! (`Parser::read_plain_empty_cases`) read as quick-xml reads them: every document here is read
//! through buffers of every small size (a buffer of one byte never holds a whole element, so
//! quick-xml reads all of it) and must give the same report, or the same refusal.

use super::*;
use std::io::BufReader;

/// The whole report, or the refusal as the user sees it.
fn outcome(input: impl BufRead) -> String {
    let mut c = Collector::new(ReadOptions::default());
    match c.read(input, "r.xml", "unit") {
        Ok(_) => format!("{:?}", c.finish()),
        Err(e) => e.render(),
    }
}

/// Empty cases of every shape, plain or not, each alone in its suite and all together.
const CASES: &[&str] = &[
    r#"<testcase classname="x" name="1" time="0.5"/>"#,
    r#"<testcase name="only a name"/>"#,
    "<testcase\tname='single quotes'\n classname=\"x\"\r\n time=\"2\"  />",
    r#"<testcase classname="x" name="a &amp; b" time="2"/>"#,
    r#"<testcase classname="x" name="é" time="3"/>"#,
    r#"<testcase classname = "x" name="spaced" time="4"/>"#,
    r#"<testcase classname="x" time="5"/>"#,
    r#"<testcase classname="x" name=""/>"#,
    r#"<testcase/>"#,
    r#"<testcase />"#,
    r#"<testcase classname="x" name="s" status="skipped" file="a.rs" line="7"/>"#,
    r#"<testcase classname="x" name="2" name="2b" classname="y"/>"#,
    r#"<testcase classname="x" name="a>b" time="<<computed>>"/>"#,
    r#"<testcase classname="x" name="q" a>b="1"/></testcase>"#,
    r#"<testcase classname="x" name="slash"/ ></testcase>"#,
    r#"<testcase classname="x" name="k" /k="1"/>"#,
    r#"<testcase classname="x"name="glued"/>"#,
    r#"<testcase classname="x" name=unquoted/>"#,
    r#"<testcase classname="x" name="ctl" a\u{1}b="1"/>"#,
    r#"<testcases name="not a case"/>"#,
    r#"<ns:testcase classname="x" name="prefixed"/>"#,
    r#"<testcase classname="x" name="1" time="0.5"/>"#,
    r#"<testcase classname="x" name="f"><failure message="m">trace</failure></testcase>"#,
    r#"<testcase classname="x" name="f" time="1"/>"#,
    "junk text <testcase classname=\"x\" name=\"after text\"/>",
    r#"<!-- a comment --><testcase classname="x" name="after a comment"/>"#,
    r#"<![CDATA[data]]><testcase classname="x" name="after cdata"/>"#,
    r#"<testcase classname="x" name="outer"><testcase classname="x" name="inner"/></testcase>"#,
    r#"<properties><testcase classname="x" name="in properties"/></properties>"#,
    // The plain-ASCII check made as the closing quote is searched for (fifth round).
    "<testcase classname=\"x\ty\" name=\"tab in classname\"/>",
    "<testcase classname=\"x\" name=\"line\nend\"/>",
    r#"<testcase classname="x" name="é" name="plain after a decoded one"/>"#,
    r#"<testcase classname="x" name="plain before a decoded one" name="ü"/>"#,
    r#"<testcase classname="x" name="a long plain name of more than thirty-two bytes, eight at a time"/>"#,
    r#"<testcase classname="com.example.a.long.package.name.SomeClassTést" name="late non-ASCII"/>"#,
    r#"<testcase classname="com.example.a.long.package.name.SomeClass&amp;Test" name="late entity"/>"#,
    r#"<testcase classname="x" name="other values are not checked" time="é" file="ö.rs"/>"#,
    // Keys told from their first bytes (sixth round), and keys that only begin as they do.
    r#"<testcase name="n" classname="c" time="0.056"/>"#,
    r#"<testcase names="not a name" nam="x" classnamex="y" timex="1" name="real"/>"#,
    r#"<testcase classname="c" name="t" time="1.23a"/>"#,
    r#"<testcase classname="c" name="t" time=0.5/>"#,
    r#"<testcase classname="c" name=x name="y"/>"#,
    r#"<testcase classname="c" name="z" time='9.999' classname='d'/>"#,
];

#[test]
fn plain_empty_testcases_read_the_same_through_buffers_of_every_size() {
    let all = CASES.join("\n  ");
    let mut documents: Vec<String> = CASES
        .iter()
        .map(|c| format!("<testsuites>\n<testsuite name=\"s\">\n  {c}\n</testsuite></testsuites>"))
        .collect();
    documents.push(format!(
        "<?xml version=\"1.0\"?>\n<testsuites>\n<testsuite name=\"s\">\n  {all}\n</testsuite>\n<testsuite name=\"s\">{all}</testsuite>\n  {all}\n</testsuites>\n"
    ));
    documents.push(format!("<testsuite name=\"root\">{all}</testsuite>"));
    // Refused: truncated inside or after a case, an unclosed quote, a mismatched end tag.
    documents.push(format!("<testsuites><testsuite name=\"s\">{all}"));
    documents.push("<testsuites><testsuite name=\"s\"><testcase name=\"x\" ".to_string());
    documents.push(
        "<testsuites><testsuite name=\"s\"><testcase name=\"x/></testsuite></testsuites>"
            .to_string(),
    );
    documents.push(format!(
        "<testsuites><testsuite name=\"s\">{all}</testsuites>"
    ));
    for doc in &documents {
        let whole = outcome(doc.as_bytes());
        let by_quick_xml = outcome(BufReader::with_capacity(1, doc.as_bytes()));
        assert_eq!(whole, by_quick_xml, "{doc}");
        for size in (2..=96).chain([128, 1000]) {
            assert_eq!(
                outcome(BufReader::with_capacity(size, doc.as_bytes())),
                by_quick_xml,
                "buffer of {size} bytes: {doc}"
            );
        }
    }
    // The whole document of all shapes is read, not refused.
    let read = outcome(documents[CASES.len()].as_bytes());
    assert!(read.starts_with("TestReport"), "{read}");
}

/// Children of a suite's `<properties>`, plain or not (the plain empty ones are skipped
/// straight from the input's buffer: `skip_plain_empty_properties`).
const PROPERTIES: &[&str] = &[
    r#"<property name="a" value="b"/>"#,
    r#"<property name='a>b' value="x'y"/>"#,
    "<property\tname=\"a\"\n value=\"b\" />",
    "<property/>",
    "<property>text</property>",
    r#"<property name="a"/ ></property>"#,
    r#"<property name="a"/ >"#,
    r#"<propertyX name="a"/>"#,
    r#"<property name="a"><testcase name="inside a property"/></property>"#,
    r#"<!-- c --><property name="after a comment"/>"#,
    r#"text <property name="after text"/>"#,
    r#"<property name="é" value="&amp; &lt;"/>"#,
    r#"<property name="a" value="b"/></property>"#,
    r#"<testcase classname="x" name="in properties"/>"#,
    r#"<property name="unclosed/>"#,
];

#[test]
fn plain_empty_properties_are_skipped_as_quick_xml_reads_them_through_buffers_of_every_size() {
    let case = r#"<testcase classname="x" name="after the properties" time="1"/>"#;
    let all = PROPERTIES.join("\n  ");
    let mut documents: Vec<String> = PROPERTIES
        .iter()
        .map(|p| {
            format!("<testsuites>\n<testsuite name=\"s\">\n<properties>\n  {p}\n</properties>\n  {case}\n</testsuite></testsuites>")
        })
        .collect();
    documents.push(format!(
        "<testsuites><properties>{all}</properties><testsuite name=\"s\"><properties/>{case}<properties>\n</properties></testsuite></testsuites>"
    ));
    documents.push(format!(
        "<testsuite name=\"root\"><properties>{}</properties>{case}</testsuite>",
        PROPERTIES[..4].join(" ")
    ));
    documents.push(format!(
        "<testsuites><testsuite name=\"s\"><testcase name=\"c\"><properties>{}</properties></testcase></testsuite></testsuites>",
        PROPERTIES[..4].join("")
    ));
    documents
        .push("<testsuites><testsuite name=\"s\"><properties><property name=\"x\" ".to_string());
    for doc in &documents {
        let by_quick_xml = outcome(BufReader::with_capacity(1, doc.as_bytes()));
        assert_eq!(outcome(doc.as_bytes()), by_quick_xml, "{doc}");
        for size in (2..=96).chain([128, 1000]) {
            assert_eq!(
                outcome(BufReader::with_capacity(size, doc.as_bytes())),
                by_quick_xml,
                "buffer of {size} bytes: {doc}"
            );
        }
    }
    // Read, not refused: the first shape alone, and the case after it counted.
    let read = outcome(documents[0].as_bytes());
    assert!(read.contains("after the properties"), "{read}");
}

#[test]
fn documents_made_of_random_pieces_read_the_same_through_any_buffer() {
    // Pieces of test cases, well placed or not: most documents are malformed somewhere.
    const PIECES: &[&str] = &[
        "<testcase",
        " ",
        "\n\t",
        r#"name="a""#,
        r#"name='b'"#,
        r#"classname="c""#,
        r#"time="0.5""#,
        r#"time="0.056""#,
        "name=",
        "classname=",
        "time=",
        r#"names="n""#,
        r#"file="f.rs""#,
        r#"status="skipped""#,
        "/>",
        "/",
        ">",
        "</testcase>",
        "\"",
        "'",
        "=",
        "<failure/>",
        "<testsuite name=\"s\">",
        "</testsuite>",
        "&amp;",
        "é",
        "x",
        "x<",
        "<!--c-->",
        "<![CDATA[d]]>",
        r#"a>b="1""#,
        r#"<testcase name="p" classname="c" time="1"/>"#,
        "<properties>",
        "</properties>",
        "<property",
        r#"<property name="p" value="v"/>"#,
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 16) as usize % n
    };
    let mut read_whole = 0;
    for _ in 0..3000 {
        let mut doc = String::from("<testsuites><testsuite name=\"s\">");
        for _ in 0..1 + next(40) {
            doc.push_str(PIECES[next(PIECES.len())]);
        }
        doc.push_str("</testsuite></testsuites>");
        let by_quick_xml = outcome(BufReader::with_capacity(1, doc.as_bytes()));
        assert_eq!(outcome(doc.as_bytes()), by_quick_xml, "{doc}");
        let size = 2 + next(64);
        assert_eq!(
            outcome(BufReader::with_capacity(size, doc.as_bytes())),
            by_quick_xml,
            "buffer of {size} bytes: {doc}"
        );
        if by_quick_xml.starts_with("TestReport") {
            read_whole += 1;
        }
    }
    // Both readable documents and refused ones were compared.
    assert!((100..2900).contains(&read_whole), "{read_whole} read");
}

#[test]
fn a_classname_mixed_once_per_run_of_its_cases_keys_each_test_as_before() {
    use super::tests::{read, t};
    // Classes interleaved in one suite: c.a passes then fails (one flaky test), d.a is another.
    let xml = r#"<testsuite name="s">
        <testcase classname="c" name="a"/><testcase classname="d" name="a"/>
        <testcase classname="c" name="a"><failure/></testcase>
        <testcase classname="d" name="b"/><testcase classname="c" name="b"/>
    </testsuite>"#;
    assert_eq!(read(xml).unwrap().totals(), t(4, 4, 0, 0, 0, 1));
    // The same class in two suites, one after the other: two tests.
    let xml = r#"<testsuites>
        <testsuite name="s1"><testcase classname="c" name="a"><failure/></testcase></testsuite>
        <testsuite name="s2"><testcase classname="c" name="a"/></testsuite>
    </testsuites>"#;
    assert_eq!(read(xml).unwrap().totals(), t(2, 1, 1, 0, 0, 0));
}

use super::*;
use crate::domain::cost::Cost;
use crate::domain::vocab::*;
use crate::engagement::model::EngagementModel;
use crate::testutil::{group, now, person};

fn engine(groups: Vec<Group>) -> Engine {
    Engine::new(groups, EngagementModel::prior()).unwrap()
}

fn page(groups: Vec<Group>, p: &Person, ids: &[&str]) -> String {
    render_handout(&engine(groups), p, ids, now(), &Referrer::default()).unwrap()
}

#[test]
fn directory_text_is_escaped_and_only_web_and_phone_links_are_links() {
    let mut g = group("g1");
    g.name = "<script>alert(1)</script>".into();
    g.address = Some("12 \"Main\" St & 3rd <b>".into());
    g.format = Format::Hybrid;
    g.join_url = Some("javascript:alert(1)".into());
    g.url = Some("https://example.org/?a=1&b=\"x\"".into());
    g.phone = Some("215-555-0142\" onclick=\"x".into());
    g.newcomer_contact = Some("<img src=x onerror=alert(1)>".into());
    let html = page(vec![g], &person(), &["g1"]);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("12 &quot;Main&quot; St &amp; 3rd &lt;b&gt;"),
        "{html}"
    );
    assert!(!html.to_lowercase().contains("href=\"javascript"), "{html}");
    assert!(
        html.contains("javascript:alert(1)"),
        "shown as text: {html}"
    );
    assert!(
        html.contains("<a href=\"https://example.org/?a=1&amp;b=&quot;x&quot;\">"),
        "{html}"
    );
    assert!(html.contains("<a href=\"tel:2155550142\">215-555-0142&quot; onclick=&quot;x</a>"));
    // Every attribute the page has is one of the template's.
    for (at, _) in html.match_indices("=\"") {
        let name = html[..at].rsplit([' ', '<']).next().unwrap();
        assert!(
            [
                "lang",
                "charset",
                "name",
                "content",
                "class",
                "href",
                "xmlns",
                "viewBox",
                "role",
                "aria-label",
                "x",
                "y",
                "width",
                "height",
                "x1",
                "x2",
                "y1",
                "y2"
            ]
            .contains(&name),
            "attribute {name:?} in {html}"
        );
    }
}

#[test]
fn each_group_has_its_programme_next_three_dates_place_access_cost_and_first_meeting() {
    let mut g = group("g1");
    g.fellowship = Some(Fellowship::Aa);
    g.closed = Some(false);
    g.address = Some("1 Arch St".into());
    g.accessibility = vec![Need::Wheelchair, Need::Asl];
    g.cost = Some(Cost::Donation);
    g.requires = vec![Requirement::Intake];
    g.newcomer_contact = Some("Sam, 215-555-0100".into());
    let html = page(vec![g], &person(), &["g1"]);
    for want in [
        "<html lang=\"en\">",
        "Group g1",
        "A 12-step meeting (AA): members take turns",
        "Open meeting: anyone is welcome",
        // Thursday 26 November 2026, 07:00 in New York: tonight's session is the first.
        "<li>Thursday, November 26, 7:00–8:00 pm</li>",
        "<li>Monday, November 30, 7:00–8:00 pm</li>",
        "<li>Thursday, December 3, 7:00–8:00 pm</li>",
        "1 Arch St, Philadelphia",
        "wheelchair accessible, ASL interpretation",
        "Free; a basket may be passed",
        "You can talk to a member before your first meeting: Sam, 215-555-0100.",
        "Needed before the first session: an intake appointment.",
        "You can just listen",
        "call or text 988",
        "Prepared November 26, 2026",
        "(America/New_York)",
        "<svg",
    ] {
        assert!(html.contains(want), "{want:?} missing in\n{html}");
    }
    assert_eq!(
        html.matches("<li>").count(),
        3 + 3,
        "three dates, three crisis lines"
    );
    assert!(
        !html.contains("class=\"referrer\""),
        "no referrer given, no box"
    );
}

#[test]
fn dates_are_in_the_persons_zone() {
    let mut p = person();
    p.timezone = chrono_tz::America::Los_Angeles;
    p.availability = vec!["Mon 15:00-18:00".parse().unwrap()];
    let html = page(vec![group("g1")], &p, &["g1"]);
    assert!(
        html.contains("<li>Monday, November 30, 4:00–5:00 pm</li>"),
        "{html}"
    );
    assert!(html.contains("(America/Los_Angeles)"), "{html}");
    // The Thursday session does not fit Monday afternoons; three Mondays do.
    assert!(!html.contains("Thursday, "), "{html}");
    assert!(html.contains("Monday, December 14, 4:00–5:00 pm"), "{html}");
}

#[test]
fn a_group_whose_sessions_never_fit_shows_its_next_one_and_says_so() {
    let mut p = person();
    p.availability = vec!["Sat 09:00-10:00".parse().unwrap()];
    let html = page(vec![group("g1")], &p, &["g1"]);
    assert!(html.contains("None of the next sessions falls in the times you gave"));
    assert!(
        html.contains("<li>Thursday, November 26, 7:00–8:00 pm</li>"),
        "{html}"
    );
}

#[test]
fn a_spanish_speaker_gets_the_whole_page_in_spanish() {
    let mut p = person();
    p.languages = vec!["fr".parse().unwrap(), "es".parse().unwrap()];
    let mut g = group("g1");
    g.closed = Some(true);
    g.cost = Some("25".parse().unwrap());
    g.format = Format::Online;
    g.join_url = Some("https://meet.example.org/x".into());
    let html = page(vec![g], &p, &["g1"]);
    for want in [
        "<html lang=\"es\">",
        "Sus grupos de apoyo",
        "Una reunión de 12 pasos: los miembros",
        "Reunión cerrada: solo para personas",
        "<li>jueves 26 de noviembre, 19:00–20:00</li>",
        "<li>lunes 30 de noviembre, 19:00–20:00</li>",
        "25 por sesión",
        "Unirse en línea",
        "En línea: pruebe el enlace",
        "oprima 2",
        "Preparado el 26 de noviembre de 2026",
        ">lun<",
    ] {
        assert!(html.contains(want), "{want:?} missing in\n{html}");
    }
    // No fixed text of the English table on a Spanish page.
    let en = &text::ENGLISH;
    for english in [
        en.title,
        en.intro,
        en.next_dates,
        en.accessibility,
        en.first_meeting_heading,
        en.first_meeting_peer,
        en.crisis_heading,
        en.privacy,
        en.week_caption,
        en.week_session,
        en.not_stated,
    ] {
        assert!(!html.contains(english), "{english:?} on a Spanish page");
    }
    for english in en
        .crisis_lines
        .iter()
        .chain(&en.short_days)
        .chain([&en.cost])
    {
        assert!(
            !html.contains(&format!(">{english}<")),
            "{english:?} on a Spanish page"
        );
    }
}

#[test]
fn nothing_about_the_persons_health_changes_the_page() {
    let plain = person();
    let mut health = person();
    health.id = "p-secret-42".into();
    health.stage = Some(Stage::Early);
    health.substances = vec![Substance::Opioids, Substance::Alcohol];
    health.primary_substance = Some(Substance::Opioids);
    health.medication = Medication::Buprenorphine;
    health.needs = vec![Need::CoOccurring, Need::Trauma];
    health.risks = vec![Risk::SuicidalThoughts];
    health.self_efficacy = Some(3);
    health.readiness = Some(9);
    health.network_supports_use = Some(true);
    let groups = vec![group("g1"), group("g2")];
    let a = page(groups.clone(), &plain, &["g1", "g2"]);
    let b = page(groups, &health, &["g1", "g2"]);
    assert_eq!(a, b);
    assert!(!b.contains("p-secret-42") && !b.contains("p-test"));
}

#[test]
fn the_crisis_lines_are_the_numbers_of_the_safety_module_in_every_language() {
    let safety = [
        crate::safety::EMERGENCY,
        crate::safety::advice(Risk::SuicidalThoughts),
        crate::safety::advice(Risk::WithdrawalRisk),
    ]
    .join(" ");
    for number in ["911", "988", "1-800-662-4357"] {
        assert!(safety.contains(number), "{number}");
        for language in HandoutLanguage::ALL {
            let lines = language.text().crisis_lines.join(" ");
            assert!(lines.contains(number), "{number} in {language:?}");
        }
    }
}

#[test]
fn every_approach_has_a_sentence_in_every_language() {
    for language in HandoutLanguage::ALL {
        let t = language.text();
        let mut seen = std::collections::HashSet::new();
        for a in Approach::ALL {
            let s = (t.programme)(*a, None);
            assert!(s.len() > 40 && s.ends_with('.'), "{a}: {s}");
            assert!(seen.insert(s), "{a} shares its sentence");
        }
    }
}

#[test]
fn the_referrer_is_shown_and_checked() {
    let referrer = Referrer {
        name: Some("Northside <Recovery>".into()),
        phone: Some("+1 215 555 0100".into()),
        email: Some("intake@example.org".into()),
        url: Some("javascript:x".into()),
    };
    let html = render_handout(
        &engine(vec![group("g1")]),
        &person(),
        &["g1"],
        now(),
        &referrer,
    )
    .unwrap();
    assert!(
        html.contains("<strong>Northside &lt;Recovery&gt;</strong>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"tel:+12155550100\">+1 215 555 0100</a>"),
        "{html}"
    );
    assert!(html.contains("intake@example.org · javascript:x"), "{html}");
    let bad = Referrer {
        name: Some("a\u{1b}[2J".into()),
        ..Referrer::default()
    };
    let err =
        render_handout(&engine(vec![group("g1")]), &person(), &["g1"], now(), &bad).unwrap_err();
    assert_eq!(err.problems()[0].field.as_deref(), Some("name"));
    let toml_err = Referrer::parse_toml("name = 3", "r.toml").unwrap_err();
    assert!(toml_err.to_string().starts_with("r.toml: "), "{toml_err}");
}

#[test]
fn unknown_ids_name_the_closest_and_the_number_of_groups_is_checked() {
    let e = engine(vec![group("g-101"), group("g-202")]);
    let p = person();
    let r = Referrer::default();
    let err = render_handout(&e, &p, &["g-102"], now(), &r).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no group 'g-102' in the directory (did you mean 'g-101'?)"
    );
    let none: [&str; 0] = [];
    let err = render_handout(&e, &p, &none, now(), &r).unwrap_err();
    assert_eq!(err.problems()[0].field.as_deref(), Some("groups"));
    // A group given twice is listed once.
    let html = render_handout(&e, &p, &["g-101", "g-101"], now(), &r).unwrap();
    assert_eq!(html.matches("<article").count(), 1);
}

#[test]
fn the_page_loads_nothing_from_outside() {
    let mut g = group("g1");
    g.url = Some("https://example.org/".into());
    let html = page(vec![g], &person(), &["g1"]);
    for outside in ["<link", "<script", "<img", "@import", "url(", "src="] {
        assert!(!html.contains(outside), "{outside}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the directory's text, the page has exactly the markup of a page with plain
    /// text: as many `<` and `"` (only the template's), and the text itself escaped.
    #[test]
    fn no_directory_text_adds_markup(
        // A name is required: whitespace alone is none, and the engine refuses it.
        name in "[^\\s\\p{C}]\\PC{0,39}",
        address in "\\PC{1,40}",
        contact in "\\PC{1,40}",
    ) {
        let with = |name: &str, address: &str, contact: &str| {
            let mut g = group("g1");
            g.name = name.into();
            g.address = Some(address.into());
            g.newcomer_contact = Some(contact.into());
            page(vec![g], &person(), &["g1"])
        };
        let plain = with("n", "a", "c");
        let html = with(&name, &address, &contact);
        proptest::prop_assert_eq!(html.matches('<').count(), plain.matches('<').count());
        proptest::prop_assert_eq!(html.matches('"').count(), plain.matches('"').count());
        proptest::prop_assert_eq!(html.matches('\'').count(), 0);
    }
}

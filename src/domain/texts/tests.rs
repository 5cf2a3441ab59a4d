use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeZone;
use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

use super::*;

/// Every message of a language with the placeholders it uses.
fn messages(language: Language) -> BTreeMap<String, BTreeSet<String>> {
    let resource = fluent_syntax::parser::parse(source(language))
        .unwrap_or_else(|(_, errors)| panic!("{language}.ftl does not parse: {errors:?}"));
    let mut messages = BTreeMap::new();
    for entry in resource.body {
        if let Entry::Message(message) = entry {
            let mut names = BTreeSet::new();
            if let Some(pattern) = &message.value {
                placeholders(pattern, &mut names);
            }
            let id = message.id.name.to_string();
            assert!(
                messages.insert(id.clone(), names).is_none(),
                "{language}.ftl defines {id} twice"
            );
        }
    }
    messages
}

fn placeholders(pattern: &Pattern<&str>, names: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_placeholders(expression, names);
        }
    }
}

fn expression_placeholders(expression: &Expression<&str>, names: &mut BTreeSet<String>) {
    match expression {
        Expression::Select { selector, variants } => {
            inline_placeholders(selector, names);
            for variant in variants {
                placeholders(&variant.value, names);
            }
        }
        Expression::Inline(inline) => inline_placeholders(inline, names),
    }
}

fn inline_placeholders(inline: &InlineExpression<&str>, names: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            names.insert(id.name.to_string());
        }
        InlineExpression::Placeable { expression } => expression_placeholders(expression, names),
        _ => {}
    }
}

#[test]
fn every_language_has_every_message_with_the_same_placeholders() {
    let german = messages(Language::De);
    assert!(german.len() > 50, "{}", german.len());
    for &language in &Language::ALL[1..] {
        let other = messages(language);
        let missing: Vec<_> = german
            .keys()
            .filter(|id| !other.contains_key(*id))
            .collect();
        let extra: Vec<_> = other
            .keys()
            .filter(|id| !german.contains_key(*id))
            .collect();
        assert!(missing.is_empty(), "{language}.ftl lacks {missing:?}");
        assert!(extra.is_empty(), "{language}.ftl has unknown {extra:?}");
        for (id, names) in &german {
            assert_eq!(&other[id], names, "{language}.ftl: placeholders of {id}");
        }
    }
}

#[test]
fn every_message_formats_without_errors_in_every_language() {
    let german = messages(Language::De);
    for &language in Language::ALL {
        let bundle = &BUNDLES.iter().find(|(l, _)| *l == language).unwrap().1;
        for (id, names) in &german {
            for hours in [0, 1, 2, 3, 5, 11, 21, 24] {
                let mut args = FluentArgs::new();
                for name in names {
                    if name == "hours" || name == "position" {
                        args.set(name.as_str(), hours);
                    } else {
                        args.set(name.as_str(), "x");
                    }
                }
                let pattern = bundle.get_message(id).unwrap().value().unwrap();
                let mut errors = Vec::new();
                bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{language} {id}: {errors:?}");
            }
        }
    }
}

#[test]
fn plurals_follow_each_language() {
    let hours = |language, n: i64| {
        Texts::of(language).with(
            "please-confirm-deadline",
            &[("deadline", "…".into()), ("hours", n.into())],
        )
    };
    assert!(hours(Language::De, 1).contains("noch eine Stunde"));
    assert!(hours(Language::De, 5).contains("noch 5 Stunden"));
    assert!(hours(Language::En, 1).contains("one more hour"));
    assert!(hours(Language::Uk, 21).contains("21 година"));
    assert!(hours(Language::Uk, 3).contains("3 години"));
    assert!(hours(Language::Uk, 5).contains("5 годин"));
    assert!(hours(Language::Ar, 2).contains("ساعتان"));
    assert!(hours(Language::Ar, 11).contains("ساعة متبقية"));
}

#[test]
fn dates_are_berlin_time_in_each_language() {
    // 08:00 UTC is 10:00 in Berlin (summer time).
    let starts = Utc.with_ymd_and_hms(2019, 9, 12, 8, 0, 0).unwrap();
    let ends = Utc.with_ymd_and_hms(2019, 9, 12, 14, 0, 0).unwrap();
    assert_eq!(
        Texts::of(Language::De).period(starts, ends),
        "Donnerstag, 12. September 2019, 10:00 bis 16:00 Uhr"
    );
    assert_eq!(
        Texts::of(Language::En).period(starts, ends),
        "Thursday 12 September 2019, 10:00 to 16:00"
    );
    assert_eq!(
        Texts::of(Language::Uk).date(starts),
        "четвер, 12 вересня 2019 р."
    );
    assert!(Texts::of(Language::Ar).date(starts).contains("سبتمبر"));
    let next_day = Utc.with_ymd_and_hms(2019, 9, 13, 14, 0, 0).unwrap();
    assert!(
        Texts::of(Language::De)
            .period(starts, next_day)
            .ends_with("bis Freitag, 13. September 2019, 16:00 Uhr")
    );
}

#[test]
fn a_missing_message_falls_back_to_german_then_to_its_id() {
    assert_eq!(
        Texts::of(Language::Ar).get("no-such-message"),
        "no-such-message"
    );
    assert_eq!(Texts::of(Language::Uk).get("language-name"), "Українська");
}

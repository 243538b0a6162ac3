//! The one place text reaches the markup of the pages groupmatch writes: the handout
//! (`handout/`), the match report (`matching/report_html.rs`) and the outcome report
//! (`engagement/outcomes_html.rs`).
//!
//! A [`Page`] takes fixed markup only as `&'static str` (the templates in this module's callers,
//! which hold no data), and everything else through [`Page::text`], which escapes it for element
//! text and quoted attribute values alike, or [`Page::link`] and [`Page::phone`], which write an
//! `href` only for an `http:`/`https:` address or a phone number's digits and otherwise write the
//! text alone. Numbers for the SVG go through [`Page::num`]; a whole drawing only as an
//! [`Svg`] (through [`Page::svg`]), which the plot module made and escaped. So a group named
//! `<script>alert(1)</script>` or a `javascript:` joining link is shown as the text it is.

use std::fmt::Write as _;

use crate::engagement::plot::Svg;

/// A page being written.
#[derive(Debug, Default)]
pub(crate) struct Page {
    out: String,
}

impl Page {
    /// Fixed markup: a literal of the program, never data.
    pub(crate) fn raw(&mut self, markup: &'static str) {
        self.out.push_str(markup);
    }

    /// Text, escaped for element content and double- or single-quoted attributes: `&`, `<`,
    /// `>`, `"` and `'` become character references; control characters other than tab and
    /// line breaks (which the readers refuse anyway) are dropped.
    pub(crate) fn text(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' => self.out.push_str("&quot;"),
                '\'' => self.out.push_str("&#39;"),
                '\t' | '\n' | '\r' => self.out.push(c),
                c if crate::text::is_forbidden(c) => {}
                c => self.out.push(c),
            }
        }
    }

    /// A number, for SVG coordinates: one decimal at most.
    pub(crate) fn num(&mut self, n: f64) {
        let n = if n.is_finite() { n } else { 0.0 };
        let _ = if n.fract() == 0.0 {
            write!(self.out, "{n:.0}")
        } else {
            write!(self.out, "{n:.1}")
        };
    }

    // Links are the handout's alone: the report has none.
    #[cfg(feature = "handout")]
    /// A web address, shown as itself: a link when it is `http:` or `https:` (any case), plain
    /// text otherwise (a `javascript:` or `data:` address is never a link).
    pub(crate) fn link(&mut self, url: &str) {
        let url = url.trim();
        if is_web_address(url) {
            self.raw("<a href=\"");
            self.text(url);
            self.raw("\">");
            self.text(url);
            self.raw("</a>");
        } else {
            self.text(url);
        }
    }

    #[cfg(feature = "handout")]
    /// A phone number, shown as published: a `tel:` link to its digits (and a leading `+`)
    /// when it has at least three digits, plain text otherwise.
    pub(crate) fn phone(&mut self, phone: &str) {
        match tel_target(phone) {
            Some(target) => {
                self.raw("<a href=\"tel:");
                self.text(&target);
                self.raw("\">");
                self.text(phone);
                self.raw("</a>");
            }
            None => self.text(phone),
        }
    }

    /// A drawing of [`crate::engagement::plot`], inline: the plot module escapes every text it
    /// writes into it, and no other code can make an [`Svg`].
    pub(crate) fn svg(&mut self, svg: &Svg) {
        self.out.push_str(svg.as_str());
    }

    /// The page.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

#[cfg(feature = "handout")]
/// Whether `url` is an `http:` or `https:` address with something after the scheme.
pub(crate) fn is_web_address(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return false;
    };
    !rest.is_empty() && !rest.chars().any(char::is_whitespace)
}

#[cfg(feature = "handout")]
/// The `tel:` target of a phone number as published: its digits, after a `+` when it starts
/// with one; `None` with fewer than three digits.
fn tel_target(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 3 {
        return None;
    }
    let plus = if phone.trim_start().starts_with('+') {
        "+"
    } else {
        ""
    };
    Some(format!("{plus}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_and_quotes_for_text_and_attributes() {
        let mut p = Page::default();
        p.text("<script>alert(1)</script> & \"x\" 'y'\u{7}");
        assert_eq!(
            p.finish(),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;"
        );
    }

    #[test]
    #[cfg(feature = "handout")]
    fn only_web_addresses_and_phone_numbers_become_links() {
        let mut p = Page::default();
        p.link("javascript:alert(1)");
        p.raw("|");
        p.link("HTTPS://example.org/a?b=1&c=\"2\"");
        p.raw("|");
        p.link("data:text/html,<b>x</b>");
        p.raw("|");
        p.phone("+1 (215) 555-0142");
        p.raw("|");
        p.phone("ask at the door");
        assert_eq!(
            p.finish(),
            "javascript:alert(1)|<a href=\"HTTPS://example.org/a?b=1&amp;c=&quot;2&quot;\">\
             HTTPS://example.org/a?b=1&amp;c=&quot;2&quot;</a>|data:text/html,&lt;b&gt;x&lt;/b&gt;|\
             <a href=\"tel:+12155550142\">+1 (215) 555-0142</a>|ask at the door"
        );
        assert!(!is_web_address("http://"));
        assert!(!is_web_address("https://a b"));
        assert!(!is_web_address(" https://x"), "callers trim first");
    }

    #[test]
    fn numbers_have_at_most_one_decimal() {
        let mut p = Page::default();
        p.num(12.0);
        p.raw(" ");
        p.num(3.26);
        p.raw(" ");
        p.num(f64::NAN);
        assert_eq!(p.finish(), "12 3.3 0");
    }
}

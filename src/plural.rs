//! Counted nouns in English: "1 message", "5 messages".

/// `count` followed by `noun`, with an "s" unless the count is one.
pub fn count(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_count_is_plural() {
        assert_eq!(count(1, "message"), "1 message");
        assert_eq!(count(0, "message"), "0 messages");
        assert_eq!(count(20, "message"), "20 messages");
    }
}

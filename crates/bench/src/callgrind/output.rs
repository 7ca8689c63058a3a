//! Reading a callgrind output file (`--callgrind-out-file`): the total of its instructions.

/// The instructions (`Ir`) callgrind counted in the whole run written to `text`: the first
/// figure of its `totals:` line, else of its `summary:` line. The file must count `Ir` first
/// (its `events:` line), as callgrind does by default.
pub fn total_instructions(text: &str) -> Result<u64, String> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    let events = field("events:").ok_or("no `events:` line: not a callgrind output file")?;
    if events.split_whitespace().next() != Some("Ir") {
        return Err(format!(
            "callgrind counted `{events}`, not instructions (Ir) first"
        ));
    }
    let (name, figures) = field("totals:")
        .map(|f| ("totals", f))
        .or_else(|| field("summary:").map(|f| ("summary", f)))
        .ok_or("no `totals:` or `summary:` line in the callgrind output")?;
    let first = figures.split_whitespace().next().unwrap_or_default();
    first
        .parse()
        .map_err(|e| format!("callgrind's {name} `{first}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\n\
        pid: 4242\ncmd:  target/release/jira-search serve\npart: 1\n\n\
        positions: line\nevents: Ir\nsummary: 12345678\n\n";

    #[test]
    fn reads_the_totals_line() {
        let text = format!("{HEADER}fl=(1) main.rs\nfn=(1) main\n3 10\n\ntotals: 12345679\n");
        assert_eq!(total_instructions(&text), Ok(12_345_679));
    }

    #[test]
    fn falls_back_to_the_summary_line() {
        assert_eq!(total_instructions(HEADER), Ok(12_345_678));
    }

    #[test]
    fn takes_the_first_event_when_there_are_several() {
        let text = "events: Ir Dr Dw\nsummary: 300 20 10\ntotals: 310 21 11\n";
        assert_eq!(total_instructions(text), Ok(310));
    }

    #[test]
    fn refuses_what_is_not_an_instruction_count() {
        let err = total_instructions("").unwrap_err();
        assert!(err.contains("not a callgrind output file"), "{err}");
        let err = total_instructions("events: Dr Ir\ntotals: 1 2\n").unwrap_err();
        assert!(err.contains("not instructions"), "{err}");
        let err = total_instructions("events: Ir\n").unwrap_err();
        assert!(err.contains("no `totals:` or `summary:`"), "{err}");
        let err = total_instructions("events: Ir\ntotals: many\n").unwrap_err();
        assert!(err.contains("callgrind's totals `many`"), "{err}");
    }
}

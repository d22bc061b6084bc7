//! Sizes for people: decimal units with one decimal below ten (`1.4 KB`, `300 KB`).

/// `bytes` in decimal units (`B`, `KB`, `MB`, `GB`, `TB`, `PB`), as git-lfs prints sizes.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    // Rounding may carry into the next unit (999 950 B is 1.0 MB, not 1000 KB).
    if format!("{value:.0}") == "1000" && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if value < 9.95 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_units() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(999), "999 B");
        assert_eq!(human(1000), "1.0 KB");
        assert_eq!(human(1400), "1.4 KB");
        assert_eq!(human(9_960), "10 KB");
        assert_eq!(human(200_000), "200 KB");
        assert_eq!(human(999_950), "1.0 MB");
        assert_eq!(human(2_500_000_000), "2.5 GB");
    }
}

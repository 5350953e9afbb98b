//! The catalogue buyers browse: every open offer, filtered by species, province, price and
//! harvest month.

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::store::CatalogRow;

/// How many offers one page of the catalogue lists at most.
pub const CATALOGUE_LIMIT: i64 = 500;

/// What a buyer filters the catalogue by, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub species: Option<String>,
    pub province: Option<String>,
    pub max_price_vnd: Option<i64>,
    /// The month the season's harvest comes: the month its season ends.
    pub harvest_month: Option<u32>,
}

impl Filter {
    /// From the catalogue's query: empty fields filter nothing.
    pub fn parse(species: &str, province: &str, max_price: &str, month: &str) -> Result<Self> {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let max_price_vnd = match some(&crate::text::amount_text(max_price)) {
            None => None,
            Some(p) => Some(p.parse::<i64>().ok().filter(|p| *p > 0).ok_or_else(|| {
                Error::invalid(
                    "Giá tối đa phải là một số tiền, ví dụ 6.000.000",
                    "The highest price must be an amount, like 6,000,000",
                )
            })?),
        };
        let harvest_month = match some(month) {
            None => None,
            Some(m) => Some(
                m.parse::<u32>()
                    .ok()
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(|| {
                        Error::invalid(
                            "Tháng thu hoạch từ 1 đến 12",
                            "The harvest month is 1 to 12",
                        )
                    })?,
            ),
        };
        Ok(Self {
            species: some(species),
            province: some(province),
            max_price_vnd,
            harvest_month,
        })
    }

    fn keeps(&self, r: &CatalogRow) -> bool {
        let month = r.ends_on.get(5..7).and_then(|m| m.parse::<u32>().ok());
        self.species.as_ref().is_none_or(|s| *s == r.species)
            && self.province.as_ref().is_none_or(|p| *p == r.province)
            && self.max_price_vnd.is_none_or(|p| r.price_vnd <= p)
            && self.harvest_month.is_none_or(|m| month == Some(m))
    }
}

/// Open offers that pass `filter`, cheapest first.
pub async fn catalogue(s: &Services, filter: &Filter) -> Result<Vec<CatalogRow>> {
    let today = ledger::Date::from_unix_ms(now_ms()).to_string();
    let rows = s
        .store
        .open_offers(&today, now_ms(), CATALOGUE_LIMIT)
        .await?;
    Ok(rows.into_iter().filter(|r| filter.keeps(r)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_and_empty_ones_filter_nothing() {
        assert_eq!(Filter::parse("", " ", "", "").unwrap(), Filter::default());
        let f = Filter::parse("mango", "Đồng Tháp", "6.000.000", "8").unwrap();
        assert_eq!(
            (f.max_price_vnd, f.harvest_month),
            (Some(6_000_000), Some(8))
        );
        for (price, month) in [("abc", ""), ("-5", ""), ("", "13"), ("", "0"), ("", "tám")] {
            assert!(
                Filter::parse("", "", price, month).is_err(),
                "{price} {month}"
            );
        }
    }
}

//! The SQL of [`crate::PhotoStore`], shared by both backends, and `photo_impl!`, which implements the
//! trait for a store type with fields `pool: sqlx::Pool<$db>` and `registry: RegistrySealer` (the pattern
//! of `passkey_sql.rs`).

/// The sealing table name: the associated data of `image_sealed` names it.
pub(crate) const PHOTO: &str = "registry_photo";
pub(crate) const IMAGE: &str = "image_sealed";

pub(crate) const META_COLUMNS: &str =
    "village_code, id, household_id, kind, content_type, size_bytes, taken_at, taken_by, delete_after";

pub(crate) const INSERT: &str =
    "INSERT INTO registry_photo (village_code, id, household_id, kind, \
     content_type, size_bytes, image_sealed, taken_at, taken_by, delete_after) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

pub(crate) const DELETE: &str = "DELETE FROM registry_photo WHERE id = $1";

pub(crate) const DELETE_ONE: &str =
    "DELETE FROM registry_photo WHERE village_code = $1 AND id = $2";

macro_rules! photo_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, Utc};
        use sqlx::Row as _;
        use tepat_domain::RegionCode;
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::photo::{Photo, PhotoKind, PhotoMeta, PhotoStore};
        use $crate::photo_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn meta_from_row(row: &DbRow) -> Result<PhotoMeta, StoreError> {
            let village: String = get(row, "village_code")?;
            let kind: String = get(row, "kind")?;
            Ok(PhotoMeta {
                id: get(row, "id")?,
                village: RegionCode::parse(&village).map_err(|_| StoreError::Corrupt {
                    what: "registry_photo.village_code".into(),
                })?,
                household: get(row, "household_id")?,
                kind: PhotoKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                    what: "registry_photo.kind".into(),
                })?,
                content_type: get(row, "content_type")?,
                size: get(row, "size_bytes")?,
                taken_at: get(row, "taken_at")?,
                taken_by: get(row, "taken_by")?,
                delete_after: get(row, "delete_after")?,
            })
        }

        /// Microseconds, the precision PostgreSQL keeps, so both backends return what was written.
        fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
            DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
        }

        #[async_trait::async_trait]
        impl PhotoStore for $store {
            async fn add_photo(&self, photo: &Photo) -> Result<(), StoreError> {
                let m = &photo.meta;
                let sealed = self.registry.seal(sql::PHOTO, sql::IMAGE, m.id, &photo.bytes);
                sqlx::query(sql::INSERT)
                    .bind(m.village.plain().to_owned())
                    .bind(m.id)
                    .bind(m.household)
                    .bind(m.kind.code())
                    .bind(m.content_type.as_str())
                    .bind(m.size)
                    .bind(sealed)
                    .bind(micros(m.taken_at))
                    .bind(m.taken_by)
                    .bind(micros(m.delete_after))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("adding a photo"))?;
                Ok(())
            }

            async fn photos_of_household(
                &self,
                household: Uuid,
            ) -> Result<Vec<PhotoMeta>, StoreError> {
                let text = format!(
                    "SELECT {} FROM registry_photo WHERE household_id = $1 ORDER BY taken_at, id",
                    sql::META_COLUMNS
                );
                sqlx::query(&text)
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing photos"))?
                    .iter()
                    .map(meta_from_row)
                    .collect()
            }

            async fn photo_meta(&self, id: Uuid) -> Result<Option<PhotoMeta>, StoreError> {
                let text = format!(
                    "SELECT {} FROM registry_photo WHERE id = $1",
                    sql::META_COLUMNS
                );
                sqlx::query(&text)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a photo"))?
                    .map(|r| meta_from_row(&r))
                    .transpose()
            }

            async fn photo(&self, id: Uuid) -> Result<Option<Photo>, StoreError> {
                let text = format!(
                    "SELECT {}, image_sealed FROM registry_photo WHERE id = $1",
                    sql::META_COLUMNS
                );
                let Some(row) = sqlx::query(&text)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a photo"))?
                else {
                    return Ok(None);
                };
                let meta = meta_from_row(&row)?;
                let sealed: Vec<u8> = get(&row, "image_sealed")?;
                let bytes = self
                    .registry
                    .open(sql::PHOTO, sql::IMAGE, meta.id, &sealed, "photo")?;
                Ok(Some(Photo { meta, bytes }))
            }

            async fn delete_photo(&self, id: Uuid) -> Result<bool, StoreError> {
                Ok(sqlx::query(sql::DELETE)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("deleting a photo"))?
                    .rows_affected()
                    > 0)
            }

            async fn photo_households(&self) -> Result<Vec<(Uuid, DateTime<Utc>)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT household_id, delete_after FROM registry_photo ORDER BY household_id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::db("listing photos"))?;
                let mut out: Vec<(Uuid, DateTime<Utc>)> = Vec::new();
                for row in &rows {
                    let household: Uuid = get(row, "household_id")?;
                    let after: DateTime<Utc> = get(row, "delete_after")?;
                    match out.last_mut() {
                        Some((h, earliest)) if *h == household => {
                            *earliest = (*earliest).min(after);
                        }
                        _ => out.push((household, after)),
                    }
                }
                Ok(out)
            }

            async fn keep_photos_until(
                &self,
                household: Uuid,
                until: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                // Compared here rather than in SQL: SQLite keeps times as text whose fractional digits
                // vary, which does not order reliably within one second.
                let until = micros(until);
                let mut changed = 0;
                for meta in self.photos_of_household(household).await? {
                    if meta.delete_after < until {
                        changed += sqlx::query(
                            "UPDATE registry_photo SET delete_after = $3 \
                             WHERE village_code = $1 AND id = $2",
                        )
                        .bind(meta.village.plain().to_owned())
                        .bind(meta.id)
                        .bind(until)
                        .execute(&self.pool)
                        .await
                        .map_err(StoreError::db("keeping photos"))?
                        .rows_affected();
                    }
                }
                Ok(changed)
            }

            async fn purge_photos(
                &self,
                now: DateTime<Utc>,
                hold: &[Uuid],
            ) -> Result<Vec<PhotoMeta>, StoreError> {
                let text = format!("SELECT {} FROM registry_photo", sql::META_COLUMNS);
                let all = sqlx::query(&text)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing photos"))?
                    .iter()
                    .map(meta_from_row)
                    .collect::<Result<Vec<_>, _>>()?;
                let mut removed = Vec::new();
                for meta in all {
                    if meta.delete_after > now || hold.contains(&meta.household) {
                        continue;
                    }
                    let gone = sqlx::query(sql::DELETE_ONE)
                        .bind(meta.village.plain().to_owned())
                        .bind(meta.id)
                        .execute(&self.pool)
                        .await
                        .map_err(StoreError::db("purging photos"))?
                        .rows_affected();
                    if gone > 0 {
                        removed.push(meta);
                    }
                }
                Ok(removed)
            }
        }
    };
}

pub(crate) use photo_impl;

-- tepat schema 18 (postgres): a household photo may be the photo taken when aid was handed over (kind
-- 'handover', issue 7; docs/distribution.md, "Scanning vouchers offline"). The twin of
-- ../sqlite/0018_handover_photo.sql; here the CHECK constraint is replaced in place.
ALTER TABLE registry_photo DROP CONSTRAINT registry_photo_kind_check;
ALTER TABLE registry_photo ADD CONSTRAINT registry_photo_kind_check
    CHECK (kind IN ('house_front', 'floor', 'wall', 'roof', 'kitchen', 'sanitation', 'other',
                    'handover'));

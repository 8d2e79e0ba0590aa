#!/bin/sh
# Regenerates this folder's copy of the region data from the npm package idn-area-data.
#
#   sh crates/regions/data/update.sh          # fetch, verify, rewrite *.csv.gz and LICENSE.md
#   sh crates/regions/data/update.sh --check  # fetch, verify, and only compare with what is here
#
# Needs npm, sha256sum, tar and gzip. The CSVs are stored byte for byte as published, only gzip-compressed
# (`gzip -9 -n`: no file name, no time stamp). After a version change, update VERSION, TARBALL_SHA256 and
# README.md (source, checksums, counts) and the counts asserted in crates/regions/tests/.
set -eu

VERSION=4.0.1
TARBALL_SHA256=8d47ffb2be39c08aacb0a2dd43193a1edb5754edb1022d57158341c702acc32d
FILES="provinces regencies districts villages"

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

cd "$work"
npm pack --silent "idn-area-data@$VERSION" >/dev/null
tarball="idn-area-data-$VERSION.tgz"
echo "$TARBALL_SHA256  $tarball" | sha256sum -c -
tar xzf "$tarball" package/data

if [ "${1:-}" = "--check" ]; then
    status=0
    for f in $FILES; do
        if gzip -dc "$here/$f.csv.gz" | cmp -s - "package/data/$f.csv"; then
            echo "$f.csv.gz: same as upstream"
        else
            echo "$f.csv.gz: DIFFERS from upstream" >&2
            status=1
        fi
    done
    if cmp -s "$here/LICENSE.md" package/data/LICENSE.md; then
        echo "LICENSE.md: same as upstream"
    else
        echo "LICENSE.md: DIFFERS from upstream" >&2
        status=1
    fi
    exit $status
fi

for f in $FILES; do
    gzip -9 -n -c "package/data/$f.csv" >"$here/$f.csv.gz"
done
cp package/data/LICENSE.md "$here/LICENSE.md"
cd package/data
echo "sha256 of the uncompressed files (put them in README.md):"
sha256sum provinces.csv regencies.csv districts.csv villages.csv LICENSE.md
echo "rows (without header):"
for f in $FILES; do
    echo "  $f.csv: $(($(wc -l <"$f.csv") - 1))"
done

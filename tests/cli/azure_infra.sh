#!/usr/bin/env bash
# The Azure test infrastructure itself (tests/azure): Azurite, SAS
# permissions as the sync will meet them, rclone as an independent checker,
# and the fault proxy.  No collabfs here: if this fails, the sync tests
# that use these helpers cannot be trusted.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../azure/lib.sh
. "$TESTS_DIR/azure/lib.sh"

azurite_start
az create data
printf 'id,name\n1,ann\n' >a.csv
md5=$(md5_b64 a.csv)
# code URL [CURL_ARGS...]: the HTTP status curl got
code() {
	local url=$1
	shift
	curl -s -o body.txt -D headers.txt -w '%{http_code}' "$@" "$url" || true
}
# put URL FILE [CURL_ARGS...]: Put Blob
put() {
	local url=$1 file=$2
	shift 2
	code "$url" -T "$file" -H 'x-ms-blob-type: BlockBlob' "$@"
}
not() { ! "$@"; }

# A write-only SAS uploads but can neither list nor read.
w=$(az_sas data w)
check "SAS URL form" grep -qE "^http://127.0.0.1:$AZ_PORT/devstoreaccount1/data\?.*sp=w.*&sig=" <<<"$w"
check "w: Put Blob 201" [ "$(put "$(sas_blob_url "$w" t/a.csv)" a.csv)" = 201 ]
check "w: List 403" [ "$(code "$w&restype=container&comp=list")" = 403 ]
check "w: Get 403" [ "$(code "$(sas_blob_url "$w" t/a.csv)")" = 403 ]
check "w: 403 names the missing permission" grep -q AuthorizationPermissionMismatch headers.txt
bad=${w/&sig=/&sig=AAAA}
check "bad signature: HEAD 403" [ "$(code "$(sas_blob_url "$bad" t/a.csv)" -I)" = 403 ]
# Azure says AuthenticationFailed; Azurite 3.37.0 says AuthorizationFailure
# (for an expired SAS too).
check "bad signature: not a permission error" grep -qiE '^x-ms-error-code: (AuthenticationFailed|AuthorizationFailure)' headers.txt

rl=$(az_sas data rl)
check "rl: List 200" [ "$(code "$rl&restype=container&comp=list")" = 200 ]
check "rl: List shows the blob" grep -q '<Name>t/a.csv</Name>' body.txt
check "az list: name, size, MD5" [ "$(az list data)" = "t/a.csv	$(stat -c %s a.csv)	$md5" ]
check "az list PREFIX" [ "$(az list data u/)" = "" ]
check "az put" az put data seed/x.csv a.csv text/csv
check "az props: size, type, MD5" [ "$(az props data seed/x.csv)" = "$(stat -c %s a.csv)	text/csv	$md5" ]
check "az get" az get data seed/x.csv got.csv
check "az get: same bytes" cmp -s got.csv a.csv
check "az delete" az delete data seed/x.csv
check "az: one-line error" [ "$(az props data seed/x.csv 2>&1)" = "az.mjs props: 404 BlobNotFound" ]

# rclone check against a local copy: the same passes, a change fails, even
# one that keeps the size (so it compares MD5s).
mkdir -p local/t
cp a.csv local/t/a.csv
check "rclone check: same" rclone_check local data
printf 'id,name\n1,bob\n' >local/t/a.csv
check "rclone check: same size, other bytes" not rclone_check local data
echo more >>local/t/a.csv
check "rclone check: longer file" not rclone_check local/t data/t
cp a.csv local/t/a.csv
check "rclone check PREFIX" rclone_check local/t data/t

# Blocks not committed stay invisible: no partial blob.
check "Put Block 201" [ "$(code "$(sas_blob_url "$w" t/part.csv)&comp=block&blockid=$(printf 0001 | base64)" \
	-T a.csv)" = 201 ]
check "az blocks: uncommitted only" [ "$(az blocks data t/part.csv)" = "committed=0 uncommitted=1" ]
check "az list: no partial blob" [ "$(az list data | cut -f 1)" = "t/a.csv" ]
printf '<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>%s</Latest></BlockList>' \
	"$(printf 0001 | base64)" >blocklist.xml
check "Put Block List 201" [ "$(code "$(sas_blob_url "$w" t/part.csv)&comp=blocklist" -T blocklist.xml)" = 201 ]
check "az blocks: committed" [ "$(az blocks data t/part.csv)" = "committed=1 uncommitted=0" ]
check "az list: a blob from blocks has no MD5" [ "$(az list data t/part)" = "t/part.csv	$(stat -c %s a.csv)	" ]
cp a.csv local/t/part.csv
check "rclone check: fails on a blob without MD5" not rclone_check local data
check "rclone check --download: compares bytes" rclone_check local data --download

# The fault proxy.
proxy_start '{"match": "PUT", "action": "status", "status": 503, "times": 1, "retry_after": 1}'
pw=$(proxy_url "$w")
check "proxy URL" grep -q "^http://127.0.0.1:$PROXY_PORT/devstoreaccount1/data?" <<<"$pw"
check "503 rule: first PUT 503" [ "$(put "$(sas_blob_url "$pw" p/b.csv)" a.csv)" = 503 ]
check "503 rule: Azure-style error" grep -q '<Code>ServerBusy</Code>' body.txt
check "503 rule: x-ms-error-code" grep -qi '^x-ms-error-code: ServerBusy' headers.txt
check "503 rule: Retry-After" grep -qi '^retry-after: 1' headers.txt
check "503 rule: second PUT 201" [ "$(put "$(sas_blob_url "$pw" p/b.csv)" a.csv)" = 201 ]
check "through the proxy: blob intact" [ "$(az props data p/b.csv | cut -f 1,3)" = "$(stat -c %s a.csv)	$md5" ]

proxy_rules '{"match": ["PUT", "p/c.csv"], "action": "reset", "times": 1}'
rc=0
curl -s -o /dev/null -T a.csv -H 'x-ms-blob-type: BlockBlob' "$(sas_blob_url "$pw" p/c.csv)" || rc=$?
check "reset rule: connection reset (curl exit $rc)" [ "$rc" = 56 ]
check "reset rule: nothing stored" [ "$(az list data p/c)" = "" ]
check "reset rule: then 201" [ "$(put "$(sas_blob_url "$pw" p/c.csv)" a.csv)" = 201 ]

proxy_rules '{"match": "PUT", "action": "reset", "forward_first": true, "times": 1}'
check "forward_first reset: dropped" not curl -s -o /dev/null -T a.csv -H 'x-ms-blob-type: BlockBlob' \
	"$(sas_blob_url "$pw" p/d.csv)"
check "forward_first reset: stored all the same" [ "$(az list data p/d | cut -f 1)" = p/d.csv ]
proxy_rules '{"match": "PUT", "action": "status", "status": 500, "forward_first": true, "times": 1}'
check "forward_first 500: client told 500" [ "$(put "$(sas_blob_url "$pw" p/f.csv)" a.csv)" = 500 ]
check "forward_first 500: stored all the same" [ "$(az list data p/f | cut -f 1)" = p/f.csv ]

proxy_rules '{"match": "comp=list", "action": "status", "status": 403, "code": "AuthenticationFailed"}'
check "403 rule" [ "$(code "$(proxy_url "$rl")&restype=container&comp=list")" = 403 ]
check "403 rule: body" grep -q '<Code>AuthenticationFailed</Code>' body.txt
check "403 rule: x-ms-error-code" grep -qi '^x-ms-error-code: AuthenticationFailed' headers.txt

proxy_rules '{"match": "GET", "action": "delay", "seconds": 1, "times": 1}' \
	'{"match": "PUT", "action": "delay", "seconds": 1, "forward_first": true, "times": 1}'
rc=0
curl -s -o /dev/null --max-time 0.3 "$(sas_blob_url "$(proxy_url "$rl")" p/b.csv)" || rc=$?
check "delay rule: client times out (curl exit $rc)" [ "$rc" = 28 ]
check "delay rule: then prompt" [ "$(code "$(sas_blob_url "$(proxy_url "$rl")" p/b.csv)" --max-time 5)" = 200 ]
rc=0
curl -s -o /dev/null --max-time 0.3 -T a.csv -H 'x-ms-blob-type: BlockBlob' "$(sas_blob_url "$pw" p/e.csv)" || rc=$?
check "forward_first delay: client times out (curl exit $rc)" [ "$rc" = 28 ]
# the delayed requests are logged when their second is over
for _ in $(seq 50); do [ "$(grep -c 'delay$' "$PROXY_LOG")" = 2 ] && break; sleep 0.1; done
check "forward_first delay: stored all the same" [ "$(az list data p/e | cut -f 1)" = p/e.csv ]

# The SDK through the proxy: Shared Key survives it, and one 503 is retried.
proxy_rules '{"match": "comp=list", "action": "status", "status": 503, "times": 1}'
check "SDK through the proxy, one 503 retried" \
	[ "$(AZ_BLOB_ENDPOINT=$PROXY_ENDPOINT az list data p/ | cut -f 1 | tr '\n' ' ')" = "p/b.csv p/c.csv p/d.csv p/e.csv p/f.csv " ]

# Connections are kept alive: two requests, one connection.
proxy_rules
check "keep-alive" [ "$(curl -s -o /dev/null -o /dev/null -w '%{num_connects}' \
	"$(sas_blob_url "$(proxy_url "$rl")" p/b.csv)" "$(sas_blob_url "$(proxy_url "$rl")" p/c.csv)")" = 10 ]

# A large body, relayed byte for byte both ways.
head -c $((40 << 20)) /dev/urandom >big.bin
check "40 MiB PUT through the proxy" [ "$(put "$(sas_blob_url "$pw" big.bin)" big.bin)" = 201 ]
check "40 MiB GET through the proxy" [ "$(code "$(sas_blob_url "$(proxy_url "$rl")" big.bin)")" = 200 ]
check "40 MiB: same bytes" cmp -s body.txt big.bin

# The log: one line per request, PUTs countable, no signature.
check "log: PUT count" [ "$(proxy_count PUT)" = 8 ]
check "log: faults marked" [ "$(cut -f 4 "$PROXY_LOG" | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')" = \
	"-:8 delay:2 reset:2 status:4 " ]
sig=${w##*sig=}
check "log: no sig value" [ "$(grep -o 'sig=[^&[:space:]]*' "$PROXY_LOG" | sort -u)" = sig=REDACTED ]
check "log: not the signature" not grep -qF "$sig" "$PROXY_LOG"

# Azurite down, then back on the same port with the same data.
azurite_stop
check "Azurite down: the proxy answers 502" [ "$(code "$(sas_blob_url "$(proxy_url "$rl")" p/b.csv)")" = 502 ]
azurite_start "$AZ_PORT"
check "restarted: same port, data kept" [ "$(code "$(sas_blob_url "$(proxy_url "$rl")" p/b.csv)")" = 200 ]

# Everything this test started stops.
proxy_stop
azurite_stop
check "no process left" [ -z "$(pgrep -f "$T" || true)" ]
finish

// A small Blob client for the tests, over the official SDK, so that what the
// tests check is seen by a client other than collabfs.  Uses the public
// development account of Azurite (AZ_ACCOUNT, AZ_KEY) at AZ_BLOB_ENDPOINT.
//   create CONTAINER              (no error if it exists)
//   sas CONTAINER PERMS SECONDS   prints ENDPOINT/CONTAINER?SAS
//   list CONTAINER [PREFIX]       NAME \t SIZE \t CONTENT-MD5 (base64 or ""),
//                                 sorted bytewise by name
//   get CONTAINER BLOB FILE | put CONTAINER BLOB FILE [CONTENT-TYPE]
//   delete CONTAINER BLOB
//   blocks CONTAINER BLOB         committed=N uncommitted=M
//   props CONTAINER BLOB          SIZE \t CONTENT-TYPE \t CONTENT-MD5
// On error: one line on stderr, exit 1.
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

// The SDK lives in build/node (scripts/deps.sh), not beside this file.
const nodeDir = process.env.AZ_NODE_DIR || new URL("../../build/node/", import.meta.url).pathname;
const require = createRequire(nodeDir.replace(/\/?$/, "/"));
const sdk = require("@azure/storage-blob");

const env = (name) => {
	if (!process.env[name]) throw new Error(`${name} is not set (use tests/azure/lib.sh)`);
	return process.env[name];
};
const endpoint = env("AZ_BLOB_ENDPOINT").replace(/\/$/, "");
const cred = new sdk.StorageSharedKeyCredential(env("AZ_ACCOUNT"), env("AZ_KEY"));
// Few, quick retries: a test should fail fast, not hang, when Azurite is gone.
const service = new sdk.BlobServiceClient(endpoint, cred, {
	retryOptions: { maxTries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000, tryTimeoutInMs: 60000 },
});
const b64 = (md5) => (md5 ? Buffer.from(md5).toString("base64") : "");

const commands = {
	async create(c) {
		await service.getContainerClient(c).createIfNotExists();
	},
	async sas(c, perms, seconds) {
		const now = Date.now();
		const sas = sdk.generateBlobSASQueryParameters({
			containerName: c,
			permissions: sdk.ContainerSASPermissions.parse(perms),
			startsOn: new Date(now - 5 * 60 * 1000), // tolerate clock skew
			expiresOn: new Date(now + Number(seconds) * 1000),
		}, cred);
		console.log(`${endpoint}/${c}?${sas.toString()}`);
	},
	async list(c, prefix) {
		const rows = [];
		for await (const b of service.getContainerClient(c).listBlobsFlat({ prefix })) {
			rows.push([b.name, b.properties.contentLength, b64(b.properties.contentMD5)]);
		}
		// bytewise, as LC_ALL=C sort orders the names of a local tree
		rows.sort((x, y) => Buffer.compare(Buffer.from(x[0]), Buffer.from(y[0])));
		for (const r of rows) console.log(r.join("\t"));
	},
	async get(c, blob, file) {
		await service.getContainerClient(c).getBlobClient(blob).downloadToFile(file);
	},
	async put(c, blob, file, contentType) {
		// Store the MD5 whatever way the SDK uploads (one Put Blob or blocks),
		// as a sync would, so that listings and rclone check can compare it.
		const md5 = createHash("md5").update(readFileSync(file)).digest();
		await service.getContainerClient(c).getBlockBlobClient(blob).uploadFile(file, {
			blobHTTPHeaders: { blobContentMD5: md5, blobContentType: contentType },
		});
	},
	async delete(c, blob) {
		await service.getContainerClient(c).getBlobClient(blob).delete();
	},
	async blocks(c, blob) {
		const l = await service.getContainerClient(c).getBlockBlobClient(blob).getBlockList("all");
		console.log(`committed=${(l.committedBlocks || []).length} uncommitted=${(l.uncommittedBlocks || []).length}`);
	},
	async props(c, blob) {
		const p = await service.getContainerClient(c).getBlobClient(blob).getProperties();
		console.log([p.contentLength, p.contentType || "", b64(p.contentMD5)].join("\t"));
	},
};
const arity = { create: 1, sas: 3, list: 1, get: 3, put: 3, delete: 2, blocks: 2, props: 2 };

const [cmd, ...args] = process.argv.slice(2);
try {
	if (!commands[cmd] || args.length < arity[cmd]) {
		throw new Error(`usage: az.mjs ${Object.keys(arity).join("|")} ARGS...`);
	}
	await commands[cmd](...args);
} catch (e) {
	// a HEAD answer has no body: its error code is only in the header
	const code = e.code || e.response?.headers?.get("x-ms-error-code") || "";
	const what = e.statusCode ? `${e.statusCode} ${code}` : e.message;
	console.error(`az.mjs ${cmd || ""}: ${String(what).split("\n")[0]}`);
	process.exit(1);
}

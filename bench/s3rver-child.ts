/**
 * s3rver in its own process (so its CPU is its own, and measurable): prints nothing, reports
 * { endpoint, bucket, directory } over IPC, closes (and removes its directory) on 'exit'.
 */
import { startS3rver } from '../test/support/s3rver.js';

const s3 = await startS3rver({ bucket: 'streamhouse-bench' });
process.send!({ endpoint: s3.endpoint, bucket: s3.bucket, directory: s3.directory });
const close = (): void => {
  s3.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('message', close);
process.on('disconnect', close);

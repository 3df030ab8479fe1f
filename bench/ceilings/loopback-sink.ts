/**
 * The receiving end of the loopback ceiling: a Node process that accepts one connection, counts
 * what arrives and, when the sender ends, answers with the byte count (8 bytes) and closes.
 */
import net from 'node:net';

const server = net.createServer((socket) => {
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  socket.on('end', () => {
    const out = Buffer.alloc(8);
    out.writeBigUInt64BE(BigInt(bytes));
    socket.end(out);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as net.AddressInfo;
  process.send!(address.port);
});
process.on('disconnect', () => process.exit(0));

import { decodeRequest, encodeResponse } from '../../protocol/frames.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { CloseConnectionError, type ConnectionInfo, type RequestDispatcher } from '../server/connection.js';
import { apiVersionsBody } from './api-versions.js';
import type { BrokerServices, RequestContext } from './context.js';
import { handlers, ranges } from './index.js';
import type { RequestHeader } from '../../protocol/generated/request-header.js';

/**
 * Decodes a request frame, routes it to its API's handler and encodes the answer. Requests it
 * cannot decode, or in versions nobody serves, close the connection (as Kafka does), except an
 * ApiVersions request newer than ours, which gets UNSUPPORTED_VERSION in a v0 body listing what
 * we serve, so the client can retry at a version we know.
 */
export class Dispatcher implements RequestDispatcher {
  constructor(private readonly services: BrokerServices) {}

  async dispatch(frame: Buffer, conn: ConnectionInfo): Promise<Buffer[] | null> {
    const decoded = decodeRequest(frame);
    if (!decoded.ok) {
      const h = decoded.header;
      if (h && h.apiKey === ApiKey.ApiVersions && decoded.error.code === 'UNSUPPORTED_VERSION') {
        return encodeResponse(ApiKey.ApiVersions, 0, h.correlationId, apiVersionsBody(ranges, ErrorCode.UNSUPPORTED_VERSION));
      }
      throw new CloseConnectionError(
        `undecodable request (api ${h?.apiKey ?? '?'} v${h?.apiVersion ?? '?'}, correlation ${h?.correlationId ?? '?'}): ${decoded.error.message}`,
      );
    }
    const { header, body } = decoded;
    const handler = handlers.get(header.apiKey);
    if (!handler || header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      if (header.apiKey === ApiKey.ApiVersions) {
        return encodeResponse(ApiKey.ApiVersions, 0, header.correlationId, apiVersionsBody(ranges, ErrorCode.UNSUPPORTED_VERSION));
      }
      throw new CloseConnectionError(`api ${header.apiKey} v${header.apiVersion} is not served (client ${header.clientId ?? '-'})`);
    }
    const requestHeader: RequestHeader = {
      requestApiKey: header.apiKey,
      requestApiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
    };
    const ctx: RequestContext = { ...this.services, header: requestHeader, conn };
    let response: unknown;
    try {
      response = await handler.handle(ctx, body as never, header.apiVersion);
    } catch (err) {
      this.services.log.error({ err, api: header.apiKey, version: header.apiVersion, client: header.clientId }, 'handler failed');
      throw new CloseConnectionError(`handler for api ${header.apiKey} failed`);
    }
    if (response === null) return null;
    try {
      return encodeResponse(header.apiKey, header.apiVersion, header.correlationId, response as object);
    } catch (err) {
      this.services.log.error({ err, api: header.apiKey, version: header.apiVersion }, 'response could not be encoded');
      throw new CloseConnectionError(`response for api ${header.apiKey} could not be encoded`);
    }
  }
}

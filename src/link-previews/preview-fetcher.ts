import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Injectable } from '@nestjs/common';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { parseHead } from './html-meta.js';
import type { LinkPreview } from '../messages/link-preview.types.js';

const MAX_REDIRECTS = 3;

/** Why a fetch gave no preview (logged, and cached as "no preview"). */
export class PreviewRefused extends Error {}

/**
 * Fetches a page for its preview, never reaching the deployment's own network: every connection goes
 * through request-filtering-agent, which checks the address **after DNS resolution** (and literal IPs
 * directly) and refuses anything but public unicast — loopback, private, link-local (169.254.169.254,
 * the cloud metadata address), CGNAT, unique-local IPv6, IPv4-mapped IPv6, 0.0.0.0. Redirects are
 * followed by hand (at most 3), each hop a new checked connection. The answer must be HTML and is read
 * to at most LINK_PREVIEW_MAX_BYTES within LINK_PREVIEW_TIMEOUT_MS, whole fetch included.
 * `lookup` is the DNS resolution the agent checks (tests replace it); LINK_PREVIEW_ALLOW_ADDRESSES lets
 * listed addresses through (default: none).
 */
@Injectable()
export class PreviewFetcher {
  lookup: LookupFunction = dnsLookup as unknown as LookupFunction;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  async fetch(url: string): Promise<LinkPreview | null> {
    const { timeoutMs } = this.config.linkPreviews;
    const signal = AbortSignal.timeout(timeoutMs);
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await this.get(current, signal);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.destroy();
        current = new URL(response.headers.location, current).toString();
        if (!/^https?:$/.test(new URL(current).protocol)) throw new PreviewRefused('redirect to a non-http URL');
        continue;
      }
      if (status < 200 || status >= 300) {
        response.destroy();
        throw new PreviewRefused(`HTTP ${status}`);
      }
      const type = String(response.headers['content-type'] ?? '');
      if (!/^\s*(text\/html|application\/xhtml\+xml)/i.test(type)) {
        response.destroy();
        throw new PreviewRefused(`not HTML (${type.slice(0, 50)})`);
      }
      return parseHead(await this.readCapped(response, signal), current);
    }
    throw new PreviewRefused('too many redirects');
  }

  private get(url: string, signal: AbortSignal): Promise<IncomingMessage> {
    const target = new URL(url);
    const filter = { allowPrivateIPAddress: false, allowMetaIPAddress: false, allowIPAddressList: this.config.linkPreviews.allowAddresses };
    const https = target.protocol === 'https:';
    // A fresh agent per hop: no pooled socket (checked for another host) is ever reused.
    const agent = https ? new RequestFilteringHttpsAgent({ ...filter, keepAlive: false }) : new RequestFilteringHttpAgent({ ...filter, keepAlive: false });
    const send = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(
        target,
        {
          method: 'GET',
          agent,
          lookup: this.lookup,
          signal,
          headers: { 'user-agent': 'chat-backend-link-preview/1', accept: 'text/html,application/xhtml+xml' },
        },
        resolve,
      );
      request.on('error', reject);
      request.end();
    });
  }

  private async readCapped(response: IncomingMessage, signal: AbortSignal): Promise<string> {
    const max = this.config.linkPreviews.maxBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        if (signal.aborted) break;
        const room = max - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        // Enough: the head is at the start; the rest is never read.
        if (size >= max || /<\/head\s*>/i.test(chunk.toString('latin1'))) break;
      }
    } finally {
      response.destroy();
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

import type { DataConverter, Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import proto from '@temporalio/proto';
import { debtorIdOfCaseWorkflow } from '../domain/case.js';
import { open, seal } from './aes-gcm.js';
import type { PayloadKeyRing } from './key-ring.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const { Payload: PayloadProto } = proto.temporal.api.common.v1;
const utf8 = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

/**
 * AES-256-GCM over each whole payload (metadata and data). A case's payloads — workflow input,
 * signals, updates, activity arguments and results — use the debtor's data key, found from the
 * workflow id in the serialization context; anything else uses the master key. Decoding reads the
 * key id from the payload, so old keys keep working; payloads that were never encrypted (histories
 * from before this codec) pass through unchanged.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeyRing) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (!payloads.length) return payloads;
    const workflowId = context?.workflowId;
    const { id, key } = await this.keys.encryptionKey(
      workflowId ? debtorIdOfCaseWorkflow(workflowId) : undefined,
    );
    return payloads.map((payload) => ({
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(id),
      },
      data: seal(key, PayloadProto.encode(payload).finish(), id),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        if (utf8(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
        const id = utf8(payload.metadata?.[KEY_ID_METADATA]);
        if (!id || !payload.data)
          throw new Error(`an encrypted payload lacks its ${KEY_ID_METADATA} or data`);
        const decoded = PayloadProto.decode(open(await this.keys.decryptionKey(id), payload.data, id));
        return { metadata: decoded.metadata, data: decoded.data };
      }),
    );
  }
}

/** The data converter of every Mahnwerk client and worker. */
export const encryptedDataConverter = (codec: EncryptionCodec): DataConverter => ({ payloadCodecs: [codec] });

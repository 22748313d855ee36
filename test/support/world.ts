import { chatBuilders, type GivenConversation, type GivenMessage } from './given-chat.js';
import { builders, type GivenUser } from './given.js';
import { mediaClient, type MediaBody } from './media.js';
import { image } from './media-samples.js';
import type { TestApp } from './test-app.js';

/** The people of the authorization matrix, one per role, plus a bystander to act on. */
export interface Cast {
  /** Owner of the world's group. */
  owner: GivenUser;
  /** A member the owner made `admin` of the group. */
  conversationAdmin: GivenUser;
  /** A plain member of the group. */
  member: GivenUser;
  /** Another plain member: the one removed, promoted or looked up. */
  bystander: GivenUser;
  /** Signed in, in no conversation of the world. */
  nonMember: GivenUser;
  /** Role `admin`, not a member of the group. */
  globalAdmin: GivenUser;
}

/** Things in a group that each role relates to differently. */
export interface World extends Cast {
  group: GivenConversation;
  /** The direct conversation of the owner and the member. */
  direct: GivenConversation;
  /** A message of the owner in the group. */
  ownerMessage: GivenMessage;
  /** A message of the member in the group carrying `media`. */
  memberMessage: GivenMessage;
  /** A PNG the member uploaded, attached to `memberMessage` (so every member may read it). */
  media: MediaBody;
}

export async function makeCast(running: TestApp): Promise<Cast> {
  const given = builders(running);
  const [owner, conversationAdmin, member, bystander, nonMember, globalAdmin] = await Promise.all([
    given.user(),
    given.user(),
    given.user(),
    given.user(),
    given.user(),
    given.admin(),
  ]);
  return { owner, conversationAdmin, member, bystander, nonMember, globalAdmin };
}

let png: Buffer | undefined;

/** A fresh group (and everything in it) among the cast: what a destructive request may spoil. */
export async function makeWorld(running: TestApp, cast: Cast): Promise<World> {
  const chat = chatBuilders(running);
  const media = mediaClient(running);
  png ??= await image.png(32, 24);
  const [group, upload, direct] = await Promise.all([
    chat.group(cast.owner, [cast.conversationAdmin, cast.member, cast.bystander], 'The world'),
    media.uploaded(cast.member, png, 'world.png'),
    chat.direct(cast.owner, cast.member),
  ]);
  const promoted = await running.app.inject({
    method: 'PATCH',
    url: `/api/v1/conversations/${group.id}/members/${cast.conversationAdmin.id}`,
    headers: cast.owner.auth,
    payload: { role: 'admin' },
  });
  if (promoted.statusCode !== 200) throw new Error(`promoting the conversation admin answered ${promoted.statusCode}: ${promoted.body}`);
  const [ownerMessage, memberMessage] = await Promise.all([
    chat.message(cast.owner, group, 'from the owner'),
    chat.message(cast.member, group, 'from the member, with a picture', { attachmentIds: [upload.id] }),
  ]);
  return { ...cast, group, direct, ownerMessage, memberMessage, media: upload };
}

/** The session id (`sid`) an access token carries. */
export function sessionIdOf(user: GivenUser): string {
  return (JSON.parse(Buffer.from(user.accessToken.split('.')[1], 'base64url').toString()) as { sid: string }).sid;
}

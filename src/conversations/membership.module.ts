import { Module } from '@nestjs/common';
import { MembershipService } from './membership.service.js';

/** Membership checks on their own, so messages can use them without depending on the conversations module. */
@Module({ providers: [MembershipService], exports: [MembershipService] })
export class MembershipModule {}

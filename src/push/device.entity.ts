import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, UpdateDateColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

export const DEVICE_PLATFORMS = ['ios', 'android', 'web'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

/** A push token of one of a user's devices. A token is one device's: registering it again moves it. */
@Entity('device')
@Check('device_platform_ck', `platform IN ('ios', 'android', 'web')`)
@Index('device_token_uq', ['token'], { unique: true })
@Index('device_user_idx', ['userId'])
export class Device {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'device_pk' })
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'device_user_fk' })
  user?: Relation<User>;

  @Column({ type: 'text' })
  platform: DevicePlatform;

  @Column({ type: 'text' })
  token: string;

  @Column({ type: 'text', nullable: true })
  appId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

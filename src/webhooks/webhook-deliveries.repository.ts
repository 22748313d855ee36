import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { WebhookDelivery } from './webhook-delivery.entity.js';

/** The one repository of `webhook_delivery`. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager: EntityManager = this.dataSource.manager) {
    return manager.getRepository(WebhookDelivery);
  }

  async insert(manager: EntityManager, deliveries: Pick<WebhookDelivery, 'webhookId' | 'position' | 'eventType' | 'orderingKey'>[]): Promise<string[]> {
    const result = await this.repo(manager).insert(deliveries);
    return result.identifiers.map((identifier) => String(identifier.id));
  }

  find(id: string): Promise<WebhookDelivery | null> {
    return this.repo().findOneBy({ id });
  }

  async record(manager: EntityManager | undefined, id: string, outcome: Partial<WebhookDelivery>): Promise<void> {
    await this.repo(manager).update({ id }, outcome);
  }

  /** Newest first, keyset by `number`. */
  page(webhookId: string, before: string | undefined, limit: number): Promise<WebhookDelivery[]> {
    const query = this.repo().createQueryBuilder('d').where('d.webhook_id = :webhookId', { webhookId }).orderBy('d.number', 'DESC').limit(limit);
    if (before) query.andWhere('d.number < :before', { before });
    return query.getMany();
  }
}

import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  caseWorkflowId,
  type CaseInput,
  type CaseState,
  type InvoiceRecorded,
  type PaymentRecorded,
} from '../domain/case.js';
import * as sa from '../domain/search-attributes.js';
import { STANDARD_SEGMENT, STANDARD_STRATEGY_VERSION } from '../domain/standard-strategy.js';
import { caseStateQuery, invoiceRecordedSignal, paymentRecordedSignal } from '../workflows/messages.js';
import type { standardOutreach } from '../workflows/standard-outreach.js';

/** How the API talks to case workflows: ids and amounts only. */
export class CaseClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Opens the debtor's case, or tells the running one about the invoice. Signal-with-start makes
   * concurrent calls from billing land in one workflow.
   */
  async invoiceRecorded(
    debtorId: string,
    invoice: InvoiceRecorded,
    debtorDaysPastDue: number,
  ): Promise<void> {
    const input: CaseInput = { debtorId, strategyVersion: STANDARD_STRATEGY_VERSION };
    await this.client.workflow.signalWithStart<typeof standardOutreach, [InvoiceRecorded]>(
      'standardOutreach',
      {
        workflowId: caseWorkflowId(debtorId),
        taskQueue: this.taskQueue,
        args: [input],
        signal: invoiceRecordedSignal,
        signalArgs: [invoice],
        staticSummary: `Dunning case for debtor ${debtorId}`,
        staticDetails: `Opened by billing with invoice ${invoice.invoiceId}. Segment: ${STANDARD_SEGMENT}, strategy ${STANDARD_STRATEGY_VERSION}.`,
        typedSearchAttributes: [
          { key: sa.DunningStatus, value: 'active' },
          { key: sa.DunningSegment, value: STANDARD_SEGMENT },
          { key: sa.DunningStep, value: 'opened' },
          { key: sa.StrategyVersion, value: STANDARD_STRATEGY_VERSION },
          { key: sa.AmountDue, value: invoice.amountDue },
          { key: sa.DaysPastDue, value: debtorDaysPastDue },
        ],
      },
    );
  }

  /** Tells a running case about a payment; with no running case there is nobody to tell. */
  async paymentRecorded(
    debtorId: string,
    payment: PaymentRecorded,
  ): Promise<'signalled' | 'no-running-case'> {
    try {
      await this.client.workflow.getHandle(caseWorkflowId(debtorId)).signal(paymentRecordedSignal, payment);
      return 'signalled';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'no-running-case';
      throw error;
    }
  }

  async state(debtorId: string): Promise<CaseState> {
    return this.client.workflow.getHandle(caseWorkflowId(debtorId)).query(caseStateQuery);
  }
}

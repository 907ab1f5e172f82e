import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CaseState, InvoiceRecorded, PaymentRecorded } from '../domain/case.js';

export const invoiceRecordedSignal = defineSignal<[InvoiceRecorded]>('invoiceRecorded');
export const paymentRecordedSignal = defineSignal<[PaymentRecorded]>('paymentRecorded');
export const caseStateQuery = defineQuery<CaseState>('caseState');

import { connectionType } from '../paging/connection.type';
import { IngestionGap } from './ingestion-gap.type';

export const IngestionGapConnection = connectionType(IngestionGap, 'IngestionGap', 'missed round');

import { connectionType } from '@herck/common';
import { IngestionGap } from './ingestion-gap.type';

export const IngestionGapConnection = connectionType(IngestionGap, 'IngestionGap', 'missed round');

import { connectionType } from '@herck/common';
import { Candle } from './candle.type';

export const CandleConnection = connectionType(Candle, 'Candle', 'candle');

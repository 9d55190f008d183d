import { connectionType } from '../paging/connection.type';
import { Candle } from './candle.type';

export const CandleConnection = connectionType(Candle, 'Candle', 'candle');

import { Migration } from '@mikro-orm/migrations';

/**
 * A transaction's gross amount (quantity × price) in the portfolio's base currency, converted as one
 * amount. Converting the price of one unit and multiplying it back rounded round amounts away: 90 EUR
 * at 0.9 EUR per USD came to 99.999999999999999999 USD. Entries stored before keep quantity × base_price
 * (NULL here), as their figures were.
 */
export class Migration20261207001100_transaction_base_amount extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE portfolio_transactions ADD COLUMN base_amount numeric');
  }
}

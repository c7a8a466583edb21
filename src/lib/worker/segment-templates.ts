// Starting points for new segments, written in the query language (the seed's example first). The
// segment service checks each one against the imported data before offering it.

export interface TemplateSource {
  readonly name: string;
  readonly description: string;
  readonly query: string;
}

export const SEGMENT_TEMPLATES: readonly TemplateSource[] = [
  {
    name: 'Inactive loyal customers',
    description: 'Spent over 10,000 but bought nothing in the last 3 months.',
    query: 'total_spent > 10000 AND NOT performed Purchased in last 3 months'
  },
  {
    name: 'New customers',
    description: 'Signed up in the last 30 days.',
    query: 'signup_date within last 30 days'
  },
  {
    name: 'Cart abandoners',
    description: 'Added to cart in the last 7 days and bought nothing in the last 7 days.',
    query: 'performed "Added to Cart" in last 7 days AND NOT performed Purchased in last 7 days'
  },
  {
    name: 'VIP',
    description: 'At least 5 purchases, or spent over 50,000.',
    query: 'performed Purchased at least 5 times OR total_spent > 50000'
  },
  {
    name: 'At risk',
    description: 'Bought before, but not in the last 60 days.',
    query: 'performed Purchased AND NOT performed Purchased in last 60 days'
  },
  {
    name: 'Never purchased',
    description: 'No purchase at all so far.',
    query: 'NOT performed Purchased'
  }
];

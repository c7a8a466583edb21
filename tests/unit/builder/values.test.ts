// Value suggestions for the builder's text inputs, through the real data service over fake-indexeddb:
// the most common values first, filtered by what is typed, for attributes and event properties alike.
import { describe, expect, it } from 'vitest';
import { csv, freshDb, freshService, importBlob } from '../../builders/data-service';

const CUSTOMERS = [
  'id,email,city,total_spent',
  'c1,a@x.com,Pune,1',
  'c2,b@x.com,Mumbai,2',
  'c3,c@x.com,Pune,3',
  'c4,d@x.com,Delhi,4',
  'c5,e@x.com,Pune,5',
  'c6,f@x.com,Mumbai,6',
  'c7,g@x.com,,7'
].join('\n');

const EVENTS = [
  'customer_id,event,timestamp,category',
  'c1,Purchased,2026-01-01T00:00:00Z,Books',
  'c2,Purchased,2026-01-02T00:00:00Z,Toys',
  'c3,Purchased,2026-01-03T00:00:00Z,Books',
  'c3,Viewed,2026-01-03T00:00:00Z,Garden'
].join('\n');

describe('fieldValues', () => {
  it('suggests attribute values most common first, filtered by what is typed', async () => {
    const { api } = freshService(freshDb());
    await importBlob(api, csv(CUSTOMERS), 'customers.csv', 'customers');
    expect(await api.fieldValues({ attribute: 'city' }, '', 10)).toEqual([
      'Pune',
      'Mumbai',
      'Delhi'
    ]);
    expect(await api.fieldValues({ attribute: 'city' }, 'm', 10)).toEqual(['Mumbai']);
    expect(await api.fieldValues({ attribute: 'city' }, '', 2)).toEqual(['Pune', 'Mumbai']);
    // Not a text attribute, or not there at all: nothing to suggest.
    expect(await api.fieldValues({ attribute: 'total_spent' }, '', 10)).toEqual([]);
    expect(await api.fieldValues({ attribute: 'nope' }, '', 10)).toEqual([]);
  });

  it('suggests an event property’s values from that event only', async () => {
    const { api } = freshService(freshDb());
    await importBlob(api, csv(CUSTOMERS), 'customers.csv', 'customers');
    await importBlob(api, csv(EVENTS), 'events.csv', 'events');
    expect(await api.fieldValues({ event: 'purchased', property: 'category' }, '', 10)).toEqual([
      'Books',
      'Toys'
    ]);
    expect(await api.fieldValues({ event: 'Viewed', property: 'category' }, '', 10)).toEqual([
      'Garden'
    ]);
    expect(await api.fieldValues({ event: 'Nope', property: 'category' }, '', 10)).toEqual([]);
  });
});

// The demo store's fixed vocabulary: cities and their countries, names, phone formats, email domains,
// the product catalogue and the email campaigns. Data only, plus the phone formatter.

import type { Rng } from './random';

export type Region = 'IN' | 'GB' | 'US' | 'CA' | 'AE' | 'SG' | 'AU' | 'DE';

export interface City {
  readonly name: string;
  readonly country: string;
  readonly region: Region;
  readonly weight: number;
}

export const CITIES: readonly City[] = [
  { name: 'Mumbai', country: 'India', region: 'IN', weight: 15 },
  { name: 'Delhi', country: 'India', region: 'IN', weight: 13 },
  { name: 'Bengaluru', country: 'India', region: 'IN', weight: 13 },
  { name: 'Pune', country: 'India', region: 'IN', weight: 8 },
  { name: 'Hyderabad', country: 'India', region: 'IN', weight: 7 },
  { name: 'Chennai', country: 'India', region: 'IN', weight: 7 },
  { name: 'Kolkata', country: 'India', region: 'IN', weight: 5 },
  { name: 'Ahmedabad', country: 'India', region: 'IN', weight: 4 },
  { name: 'Jaipur', country: 'India', region: 'IN', weight: 2.5 },
  { name: 'Kochi', country: 'India', region: 'IN', weight: 2 },
  { name: 'Lucknow', country: 'India', region: 'IN', weight: 1.5 },
  { name: 'Chandigarh', country: 'India', region: 'IN', weight: 1.5 },
  { name: 'London', country: 'United Kingdom', region: 'GB', weight: 5 },
  { name: 'Manchester', country: 'United Kingdom', region: 'GB', weight: 1 },
  { name: 'Edinburgh', country: 'United Kingdom', region: 'GB', weight: 0.6 },
  { name: 'New York', country: 'United States', region: 'US', weight: 4 },
  { name: 'San Francisco', country: 'United States', region: 'US', weight: 1.5 },
  { name: 'Chicago', country: 'United States', region: 'US', weight: 1 },
  { name: 'Austin', country: 'United States', region: 'US', weight: 0.8 },
  { name: 'Toronto', country: 'Canada', region: 'CA', weight: 1.2 },
  { name: 'Dubai', country: 'United Arab Emirates', region: 'AE', weight: 2.5 },
  { name: 'Abu Dhabi', country: 'United Arab Emirates', region: 'AE', weight: 0.7 },
  { name: 'Singapore', country: 'Singapore', region: 'SG', weight: 2 },
  { name: 'Sydney', country: 'Australia', region: 'AU', weight: 1.2 },
  { name: 'Melbourne', country: 'Australia', region: 'AU', weight: 0.8 },
  { name: 'Berlin', country: 'Germany', region: 'DE', weight: 0.8 }
];

const INDIAN_FIRST = [
  'Aarav',
  'Vivaan',
  'Aditya',
  'Arjun',
  'Sai',
  'Rohan',
  'Rahul',
  'Rajesh',
  'Sanjay',
  'Vikram',
  'Deepak',
  'Nikhil',
  'Varun',
  'Farhan',
  'Karan',
  'Amit',
  'Suresh',
  'Gurpreet',
  'Priya',
  'Ananya',
  'Diya',
  'Isha',
  'Kavya',
  'Meera',
  'Neha',
  'Pooja',
  'Sneha',
  'Anjali',
  'Kiran',
  'Lakshmi',
  'Shreya',
  'Tanvi',
  'Zara',
  'Ayesha',
  'Harpreet',
  'Divya',
  'Aishwarya',
  'Riya'
] as const;
const INDIAN_LAST = [
  'Sharma',
  'Verma',
  'Patel',
  'Iyer',
  'Nair',
  'Reddy',
  'Gupta',
  'Singh',
  'Kumar',
  'Mehta',
  'Joshi',
  'Desai',
  'Kulkarni',
  'Menon',
  'Rao',
  'Bose',
  'Chatterjee',
  'Banerjee',
  'Khan',
  'Shaikh',
  'Pillai',
  'Agarwal',
  'Malhotra',
  'Kapoor',
  "D'Souza",
  'Fernandes',
  'Bhat',
  'Saxena',
  'Chopra',
  'Mishra'
] as const;
const WESTERN_FIRST = [
  'Oliver',
  'James',
  'Liam',
  'Noah',
  'Lucas',
  'Ethan',
  'Jack',
  'Daniel',
  'Lukas',
  'Mateo',
  'José',
  'Amelia',
  'Olivia',
  'Emma',
  'Sophia',
  'Isabella',
  'Mia',
  'Charlotte',
  'Chloé',
  'Zoë',
  'Hannah',
  'Sofia',
  'Grace',
  'Emily',
  'Wei',
  'Yuki',
  'Min-jun',
  'Mohammed',
  'Fatima'
] as const;
const WESTERN_LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Taylor',
  'Wilson',
  "O'Brien",
  'García',
  'Müller',
  'Schmidt',
  'Nguyen',
  'Chen',
  'Kim',
  'Tanaka',
  'Rossi',
  'Dubois',
  'Silva',
  'Cohen',
  'Hughes',
  'Evans',
  'MacDonald',
  'Lee',
  'Martin',
  'Anderson',
  'Patel',
  'Singh',
  'Wong'
] as const;
const GULF_FIRST = [
  'Mohammed',
  'Omar',
  'Ahmed',
  'Yusuf',
  'Khalid',
  'Ali',
  'Fatima',
  'Aisha',
  'Layla',
  'Mariam',
  'Noor',
  'Sara',
  'Rahul',
  'Priya',
  'Anil',
  'James'
] as const;
const GULF_LAST = [
  'Al Mansouri',
  'Al Nahyan',
  'Hassan',
  'Haddad',
  'Khan',
  'Rahman',
  'Saeed',
  'Nair',
  'Menon',
  'Qureshi',
  'Farouk',
  'Smith'
] as const;

export const namesFor = (
  region: Region
): { readonly first: readonly string[]; readonly last: readonly string[] } =>
  region === 'IN'
    ? { first: INDIAN_FIRST, last: INDIAN_LAST }
    : region === 'AE'
      ? { first: GULF_FIRST, last: GULF_LAST }
      : { first: WESTERN_FIRST, last: WESTERN_LAST };

export const emailDomainsFor = (region: Region): readonly string[] =>
  region === 'IN'
    ? [
        'gmail.com',
        'gmail.com',
        'gmail.com',
        'yahoo.co.in',
        'rediffmail.com',
        'outlook.com',
        'hotmail.com'
      ]
    : region === 'GB'
      ? ['gmail.com', 'gmail.com', 'outlook.com', 'hotmail.co.uk', 'icloud.com', 'btinternet.com']
      : ['gmail.com', 'gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'proton.me'];

const digits = (rng: Rng, count: number): string => {
  let out = '';
  for (let i = 0; i < count; i++) out += String(rng.int(10));
  return out;
};

const US_AREA = ['212', '646', '917', '415', '628', '312', '773', '512', '737'] as const;
const CA_AREA = ['416', '647', '437'] as const;

/** A mobile number for the region, in E.164, or in a national format when `national` is set. */
export const phoneFor = (rng: Rng, region: Region, national: boolean): string => {
  switch (region) {
    case 'IN': {
      const n = String(6 + rng.int(4)) + digits(rng, 9);
      if (!national) return `+91${n}`;
      return rng.chance(0.5) ? `0${n}` : `${n.slice(0, 5)} ${n.slice(5)}`;
    }
    case 'GB': {
      const n = `7${String(4 + rng.int(6))}${digits(rng, 8)}`;
      return national ? `0${n.slice(0, 4)} ${n.slice(4)}` : `+44${n}`;
    }
    case 'US':
    case 'CA': {
      const area = rng.pick(region === 'US' ? US_AREA : CA_AREA);
      const exchange = String(2 + rng.int(8)) + digits(rng, 2);
      const line = digits(rng, 4);
      return national ? `(${area}) ${exchange}-${line}` : `+1${area}${exchange}${line}`;
    }
    case 'AE': {
      const n = `5${rng.pick(['0', '2', '4', '5', '6', '8'])}${digits(rng, 7)}`;
      return national ? `0${n.slice(0, 2)} ${n.slice(2, 5)} ${n.slice(5)}` : `+971${n}`;
    }
    case 'SG': {
      const n = String(8 + rng.int(2)) + digits(rng, 7);
      return national ? `${n.slice(0, 4)} ${n.slice(4)}` : `+65${n}`;
    }
    case 'AU': {
      const n = `4${digits(rng, 8)}`;
      return national ? `0${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : `+61${n}`;
    }
    case 'DE': {
      const n = `1${rng.pick(['51', '60', '70', '76'])}${digits(rng, 8)}`;
      return national ? `0${n.slice(0, 3)} ${n.slice(3)}` : `+49${n}`;
    }
  }
};

export interface Product {
  readonly name: string;
  readonly category: number;
  /** List price in cents. */
  readonly cents: number;
}

export const CATEGORIES = [
  'Electronics',
  'Fashion',
  'Home & Kitchen',
  'Beauty',
  'Books',
  'Sports & Fitness',
  'Grocery',
  'Toys & Baby',
  'Furniture'
] as const;

/** How often a category is browsed, relative to the others. */
export const CATEGORY_POPULARITY: readonly number[] = [16, 22, 14, 12, 8, 9, 10, 5, 4];

// Prices in rupees; a few names carry commas and quotes on purpose, as real catalogues do.
const PRODUCT_TABLE: readonly (readonly [string, number, number])[] = [
  ['Wireless Earbuds', 0, 2499],
  ['Bluetooth Speaker', 0, 3499],
  ['Smartwatch', 0, 8999],
  ['Laptop 14" Ultrabook', 0, 64999],
  ['Smartphone X5', 0, 24999],
  ['Noise-Cancelling Headphones', 0, 14999],
  ['Power Bank 20000mAh', 0, 1799],
  ['Monitor 27", 4K', 0, 28999],
  ['Cotton Kurta', 1, 1299],
  ['Denim Jacket', 1, 3499],
  ['Running Shoes', 1, 4999],
  ['Silk Saree', 1, 7999],
  ['Leather Wallet', 1, 1499],
  ['Sunglasses', 1, 2199],
  ['Linen Shirt', 1, 1899],
  ['Sneakers, White', 1, 3999],
  ['Non-Stick Cookware Set', 2, 3999],
  ['Air Fryer', 2, 7499],
  ['Espresso Machine', 2, 18999],
  ['Bedsheet Set, King', 2, 2299],
  ['Ceramic Dinner Set', 2, 4599],
  ['Robot Vacuum', 2, 21999],
  ['Table Lamp', 2, 1599],
  ['Rug "Kashmir" 5x8', 2, 12999],
  ['Vitamin C Serum', 3, 899],
  ['Sunscreen SPF 50', 3, 499],
  ['Hair Dryer', 3, 2499],
  ['Perfume 100ml', 3, 4999],
  ['Matte Lipstick', 3, 649],
  ['Face Wash', 3, 349],
  ['The Psychology of Money', 4, 399],
  ['Atomic Habits', 4, 499],
  ['Notebook, A5 Dotted', 4, 299],
  ['Cookbook: The Indian Kitchen', 4, 899],
  ['Kindle Paperwhite', 4, 13999],
  ['Yoga Mat', 5, 999],
  ['Dumbbell Set 10kg', 5, 2499],
  ['Cricket Bat, English Willow', 5, 6999],
  ['Cycling Helmet', 5, 2999],
  ['Treadmill', 5, 45999],
  ['Fitness Band', 5, 2999],
  ['Assam Tea 500g', 6, 349],
  ['Basmati Rice 5kg', 6, 899],
  ['Cold-Pressed Olive Oil 1L', 6, 1099],
  ['Dry Fruits Gift Box', 6, 1999],
  ['Organic Honey', 6, 599],
  ['LEGO Classic Box', 7, 3499],
  ['Baby Stroller', 7, 11999],
  ['Board Game: Catan', 7, 3999],
  ['Remote Control Car', 7, 2499],
  ['Ergonomic Office Chair', 8, 15999],
  ['Sofa, 3-Seater', 8, 54999],
  ['Study Desk', 8, 8999],
  ['Bookshelf', 8, 6499]
];

export const PRODUCTS: readonly Product[] = PRODUCT_TABLE.map(([name, category, rupees]) => ({
  name,
  category,
  cents: rupees * 100
}));

/** Product indexes per category, cheapest first. */
export const PRODUCTS_BY_CATEGORY: readonly (readonly number[])[] = CATEGORIES.map((_, c) =>
  PRODUCTS.map((p, i) => ({ p, i }))
    .filter(({ p }) => p.category === c)
    .sort((a, b) => a.p.cents - b.p.cents)
    .map(({ i }) => i)
);

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December'
] as const;

const SEASONAL = [
  'New Year Sale',
  "Valentine's Day Picks",
  'Holi Colours Sale',
  'Summer Essentials',
  'Mid-Season Sale',
  'Monsoon Deals',
  'Fresh Drops: Shoes, Bags & More',
  'Independence Day Sale',
  'Back to School',
  'Diwali Festive Sale',
  'Black Friday',
  'Year-End Clearance'
] as const;

export const CAMPAIGN_WELCOME = 0;
export const CAMPAIGN_SEASONAL = 1;
export const CAMPAIGN_NEWSLETTER = 2;
export const CAMPAIGN_WINBACK = 3;

/** The campaign name of a `kind` sent at `at` (epoch ms). */
export const campaignName = (kind: number, at: number): string => {
  if (kind === CAMPAIGN_WELCOME) return 'Welcome Series';
  if (kind === CAMPAIGN_WINBACK) return 'We Miss You: 15% Off';
  const date = new Date(at);
  const month = date.getUTCMonth();
  const year = date.getUTCFullYear();
  return kind === CAMPAIGN_SEASONAL
    ? `${SEASONAL[month]} ${year}`
    : `${MONTHS[month]} ${year} Newsletter`;
};

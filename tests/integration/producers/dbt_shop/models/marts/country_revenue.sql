select
    country,
    sum(total_amount) as revenue
from {{ ref('customer_orders') }}
group by country

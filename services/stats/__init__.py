"""Traffic, alert and case statistics: kept in PostgreSQL as positions are written, and read
by reports (services/reports/) and the density layer of the map."""

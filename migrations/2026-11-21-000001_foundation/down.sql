DROP TABLE rounds; DROP TABLE consultations; DROP TABLE api_clients; DROP TABLE organisations;

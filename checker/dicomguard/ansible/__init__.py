"""Ansible: playbooks, roles, inventories and variables, evaluated the way ansible-playbook
would, and adapted to facts."""

"""core/context"""

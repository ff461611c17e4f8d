"""awsconn.model"""
